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
	// MRZMatch is DG13 cross-checked against DG1's MRZ (ID number, birth
	// date, sex, expiry): Failed when they disagree, NotOffered without DG1.
	MRZMatch State `json:"mrzMatch"`
	// Notes say, in Vietnamese, why a check did not pass.
	PassiveNote  string `json:"passiveNote,omitempty"`
	ActiveNote   string `json:"activeNote,omitempty"`
	ChipNote     string `json:"chipNote,omitempty"`
	MRZNote      string `json:"mrzNote,omitempty"`
	IdentityNote string `json:"identityNote,omitempty"` // DG13 items that could not be read
	FaceNote     string `json:"faceNote,omitempty"`     // why there is no portrait
	// Files maps each data group EF.SOD lists to its check: Passed or
	// Failed (its hash, or the chip would not give it), NotChecked (behind
	// extended access control, or skipped by choice), Interrupted (the read
	// stopped before it).
	Files  map[int]State `json:"files"`
	Signer string        `json:"signer,omitempty"` // document signer certificate subject

	Extended      bool          `json:"extendedLength"`
	APDUs         int           `json:"apdus"`
	IdentityAfter time.Duration `json:"identityAfterNs"`
	VerifiedAfter time.Duration `json:"verifiedAfterNs"`
	Elapsed       time.Duration `json:"elapsedNs"`
}

// Verdict sums the checks up: Failed when any check or data group failed,
// or DG13 and the MRZ disagree;
// Pending or Interrupted while a check is undecided; Untrusted when the
// signature is valid but its CSCA unknown; ChipNotProven when the data are
// signed and intact but the card offers neither active nor chip
// authentication, so nothing proves it is the original chip; Passed when
// the data chain to a trusted CSCA and the chip proved its key.
func (r *Result) Verdict() State {
	if r.MRZMatch == Failed {
		return Failed
	}
	states := []State{r.Passive, r.Active, r.Chip}
	for _, s := range states {
		if s == Failed {
			return Failed
		}
	}
	for _, s := range r.Files {
		if s == Failed {
			return Failed
		}
	}
	for _, s := range states {
		if s == Pending || s == Interrupted {
			return s
		}
	}
	if r.Passive == Passed && r.Active == NotOffered && r.Chip == NotOffered {
		return ChipNotProven
	}
	return r.Passive
}

// Decided reports whether the checks reached their verdict: an error after
// that (a card pulled while the portrait was read) leaves the verdict as it
// is and only the portrait missing.
func (r *Result) Decided() bool {
	v := r.Verdict()
	return v != Pending && v != Interrupted
}

// Receivable is the counter's policy for a card with this result: whether
// a dossier may be received with the card's data and, when it may, what
// the clerk must do first (Vietnamese; "" when nothing).
//
//   - Passed: yes.
//   - ChipNotProven: yes, once the clerk has compared the portrait read from
//     the chip with the person: the data are the issuer's, but a copy of
//     someone else's chip would carry them too.
//   - Untrusted: yes, with the papers checked: the signature is valid but
//     the issuer's CSCA is not in the trust store.
//   - Failed, Pending, Interrupted: no; read the card again, or look the
//     citizen up by the typed ID.
func (r *Result) Receivable() (ok bool, notice string) {
	switch r.Verdict() {
	case Passed:
		return true, ""
	case ChipNotProven:
		return true, "Thẻ không hỗ trợ chống sao chép (không có xác thực chủ động hay xác thực chip): dữ liệu đúng chữ ký nhưng chưa chứng minh được là chip gốc. Đối chiếu ảnh chân dung trên chip với người nộp trước khi tiếp nhận."
	case Untrusted:
		return true, "Chưa xác minh được cơ quan cấp (thiếu chứng thư CSCA trong kho tin cậy): đối chiếu giấy tờ trước khi tiếp nhận."
	case Failed:
		return false, "Thẻ không vượt qua xác thực chip: không tiếp nhận hồ sơ bằng dữ liệu của thẻ này. Kiểm tra giấy tờ; nếu đúng người, gõ số định danh để tra cứu."
	case Pending:
		return false, "Đang xác thực chip: giữ yên thẻ trên đầu đọc đến khi đọc xong."
	}
	return false, "Chưa xác thực xong chip: đặt lại thẻ và đọc lại (F2), hoặc gõ số định danh để tra cứu."
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
	NotChecked               // a data group the reader does not check (behind EAC) or was told to skip (--no-face)
	// ChipNotProven is a verdict only: the data are signed and intact, but
	// the card offers neither active nor chip authentication.
	ChipNotProven
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
	case NotChecked:
		return "not_checked"
	case ChipNotProven:
		return "chip_not_proven"
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
	case NotChecked:
		return "không kiểm tra"
	case ChipNotProven:
		return "dữ liệu đúng chữ ký, chưa chứng minh được chip gốc"
	}
	return ""
}
