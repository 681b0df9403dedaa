package offline

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Reception slips: what a counter decides instead of receiving a dossier. A supplement slip
// (Mẫu 02) keeps the declaration as a draft and brings it back when the citizen returns with
// the slip; a refusal slip (Mẫu 03) records why the dossier was not received. The slip's
// printable content (with the citizen's name) is sealed; the index (the slip's code, kind,
// service, counter, operator, time, draft, reason codes) holds no personal data, for the
// counts the reports need. The buckets are created by the first write.

const (
	bucketSlipIndex = "slip_index"      // unsealed: SlipInfo by slip code
	bucketSlips     = "reception_slips" // sealed: the slip's content
)

// Slip kinds.
const (
	SlipSupplement = "supplement" // Mẫu 02 at reception
	SlipRefusal    = "refusal"    // Mẫu 03
)

// SlipInfo is the unsealed index entry of a reception slip. No personal data.
type SlipInfo struct {
	Code     string    `json:"code"`
	Kind     string    `json:"kind"`
	Service  string    `json:"service"`
	Counter  string    `json:"counter"`
	Operator string    `json:"operator"`
	At       time.Time `json:"at"`
	DraftID  string    `json:"draftId,omitempty"` // the declaration kept (supplement)
	Reasons  []string  `json:"reasons,omitempty"` // reason codes (refusal)
	// Resumed is the dossier code the declaration was received as, once the citizen came back.
	Resumed   string    `json:"resumed,omitempty"`
	ResumedAt time.Time `json:"resumedAt,omitzero"`
}

func (i SlipInfo) check() error {
	for _, f := range []struct {
		what, v string
		req     bool
	}{{"slip code", i.Code, true}, {"slip kind", i.Kind, true}, {"service code", i.Service, true}, {"counter", i.Counter, false},
		{"operator", i.Operator, true}, {"draft id", i.DraftID, false}, {"dossier code", i.Resumed, false}} {
		if err := checkToken(f.what, f.v, f.req); err != nil {
			return err
		}
	}
	for _, r := range i.Reasons {
		if err := checkToken("reason code", r, true); err != nil {
			return err
		}
	}
	return nil
}

// NextSlipNumber reserves the next number (1, 2, ...) of a kind of slip for the agency's
// counter on day (its calendar date in its own location).
func (t *Tx) NextSlipNumber(kind, agency string, counter int, day time.Time) (int, error) {
	if !ValidAgencyCode(agency) {
		return 0, fmt.Errorf("offline: invalid agency code %q", agency)
	}
	seq, err := t.bucket(bucketSeq)
	if err != nil {
		return 0, err
	}
	key := []byte(fmt.Sprintf("slip:%s|%s|%s|%02d", kind, agency, day.Format("060102"), counter))
	var n uint32
	if v := seq.Get(key); v != nil {
		if len(v) != 4 {
			return 0, fmt.Errorf("offline: slip sequence %q has %d bytes", key, len(v))
		}
		n = binary.BigEndian.Uint32(v)
	}
	if n >= MaxDossiersPerDay {
		return 0, fmt.Errorf("%w: %s slips, agency %s, counter %02d", ErrSequenceExhausted, kind, agency, counter)
	}
	n++
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], n)
	if err := seq.Put(key, v[:]); err != nil {
		return 0, fmt.Errorf("offline: saving slip sequence: %w", err)
	}
	return int(n), nil
}

// PutSlip stores a slip: blob (its printable content, personal data) sealed, info indexed.
func (t *Tx) PutSlip(info SlipInfo, blob []byte) error {
	if err := info.check(); err != nil {
		return err
	}
	sb, err := t.lifeBucket(bucketSlips)
	if err != nil {
		return err
	}
	ib, err := t.lifeBucket(bucketSlipIndex)
	if err != nil {
		return err
	}
	if sb == nil || ib == nil {
		return fmt.Errorf("offline: slip %s: read-only unit of work", info.Code)
	}
	sealed, err := t.seal(bucketSlips, []byte(info.Code), blob)
	if err != nil {
		return err
	}
	if err := sb.Put([]byte(info.Code), sealed); err != nil {
		return fmt.Errorf("offline: writing slip %s: %w", info.Code, err)
	}
	return putJSON(ib, info.Code, info)
}

// SlipInfo returns the index entry of a slip (ok false when none).
func (t *Tx) SlipInfo(code string) (SlipInfo, bool, error) {
	ib := t.tx.Bucket([]byte(bucketSlipIndex))
	if ib == nil {
		return SlipInfo{}, false, nil
	}
	v := ib.Get([]byte(code))
	if v == nil {
		return SlipInfo{}, false, nil
	}
	var info SlipInfo
	if err := json.Unmarshal(v, &info); err != nil {
		return SlipInfo{}, false, fmt.Errorf("offline: slip index %s: %w", code, err)
	}
	return info, true, nil
}

// GetSlip returns the opened content and the index entry of a slip, or ErrNotFound.
func (t *Tx) GetSlip(code string) ([]byte, SlipInfo, error) {
	info, ok, err := t.SlipInfo(code)
	if err != nil {
		return nil, info, err
	}
	sb := t.tx.Bucket([]byte(bucketSlips))
	var v []byte
	if sb != nil {
		v = sb.Get([]byte(code))
	}
	if !ok || v == nil {
		return nil, SlipInfo{}, fmt.Errorf("%w: slip %s", ErrNotFound, code)
	}
	blob, err := t.open(bucketSlips, []byte(code), v)
	return blob, info, err
}

// ResumeSlips records that the declaration kept as draftID was received as dossier code, on
// every supplement slip that kept it; it reports how many it marked.
func (t *Tx) ResumeSlips(draftID, code string, at time.Time) (int, error) {
	ib := t.tx.Bucket([]byte(bucketSlipIndex))
	if ib == nil || draftID == "" {
		return 0, nil
	}
	var marked []SlipInfo
	err := ib.ForEach(func(k, v []byte) error {
		var info SlipInfo
		if err := json.Unmarshal(v, &info); err != nil {
			return fmt.Errorf("offline: slip index %s: %w", k, err)
		}
		if info.Kind == SlipSupplement && info.DraftID == draftID && info.Resumed == "" {
			info.Resumed, info.ResumedAt = code, at
			marked = append(marked, info)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, info := range marked {
		if err := putJSON(ib, info.Code, info); err != nil {
			return 0, err
		}
	}
	return len(marked), nil
}

// ListSlips returns the slips made at or after from and before to (zero: unbounded), oldest first.
func (t *Tx) ListSlips(from, to time.Time) ([]SlipInfo, error) {
	ib := t.tx.Bucket([]byte(bucketSlipIndex))
	if ib == nil {
		return nil, nil
	}
	var out []SlipInfo
	err := ib.ForEach(func(k, v []byte) error {
		var info SlipInfo
		if err := json.Unmarshal(v, &info); err != nil {
			return fmt.Errorf("offline: slip index %s: %w", k, err)
		}
		if (from.IsZero() || !info.At.Before(from)) && (to.IsZero() || info.At.Before(to)) {
			out = append(out, info)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, err
}
