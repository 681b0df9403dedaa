package card

import "time"

// Stage marks how far a read has come.
type Stage int

// Progress reports a step of a read. Result is a snapshot the receiver may keep.
type Progress struct {
	Stage  Stage
	Step   string // Vietnamese, for the clerk
	APDUs  int
	Result *Result
}

// Result is what a read produced, including how far it got.
type Result struct {
	Access   string    `json:"access"` // "PACE-CAN", "PACE-MRZ" or "BAC"
	Identity *Identity `json:"identity,omitempty"`
	MRZ      *MRZ      `json:"mrz,omitempty"`
	Face     *Face     `json:"-"`

	Passive State `json:"passive"`
	Active  State `json:"active"`
	Chip    State `json:"chip"`
	// Notes say, in Vietnamese, why a check did not pass.
	PassiveNote string `json:"passiveNote,omitempty"`
	ActiveNote  string `json:"activeNote,omitempty"`
	ChipNote    string `json:"chipNote,omitempty"`
	// Files maps each data group read to its hash check.
	Files  map[int]State `json:"files"`
	Signer string        `json:"signer,omitempty"` // document signer certificate subject

	Extended      bool          `json:"extendedLength"`
	APDUs         int           `json:"apdus"`
	IdentityAfter time.Duration `json:"identityAfterNs"`
	VerifiedAfter time.Duration `json:"verifiedAfterNs"`
	Elapsed       time.Duration `json:"elapsedNs"`
}

// Verdict sums the checks up: Failed when any failed, Passed when passive
// authentication chains to a trusted CSCA and the chip checks passed (or the
// card offers none), Untrusted when the only gap is an unknown CSCA.
func (r *Result) Verdict() State {
	states := []State{r.Passive, r.Active, r.Chip}
	for _, s := range states {
		if s == Failed {
			return Failed
		}
	}
	for _, s := range states {
		if s == Pending || s == Interrupted {
			return s
		}
	}
	if r.Active == NotOffered && r.Chip == NotOffered {
		// nothing proves the chip is not a copy: passive authentication alone
		if r.Passive == Passed {
			return Passed
		}
	}
	return r.Passive
}

// Clone returns a copy the caller may keep while the read goes on.
func (r *Result) Clone() *Result {
	c := *r
	c.Files = make(map[int]State, len(r.Files))
	for k, v := range r.Files {
		c.Files[k] = v
	}
	if r.Identity != nil {
		id := *r.Identity
		c.Identity = &id
	}
	return &c
}

// State is the outcome of one check, shown to the clerk.
type State int

const (
	Pending     State = iota // not done yet
	Passed                   // verified
	Untrusted                // passive authentication: signature valid, CSCA not in the trust store
	Failed                   // the check failed: the data or the chip is not genuine
	NotOffered               // the card does not offer it
	Interrupted              // the read stopped before the check could run
)

func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Passed:
		return "passed"
	case Untrusted:
		return "csca_unknown"
	case Failed:
		return "failed"
	case NotOffered:
		return "not_offered"
	case Interrupted:
		return "interrupted"
	}
	return "unknown"
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Label is the Vietnamese label the clerk sees.
func (s State) Label() string {
	switch s {
	case Pending:
		return "đang kiểm tra"
	case Passed:
		return "đạt"
	case Untrusted:
		return "chữ ký hợp lệ, chưa có chứng thư CSCA"
	case Failed:
		return "KHÔNG ĐẠT"
	case NotOffered:
		return "thẻ không hỗ trợ"
	case Interrupted:
		return "chưa kiểm tra được"
	}
	return ""
}
