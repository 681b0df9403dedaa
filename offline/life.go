package offline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A dossier's life after reception (forms.Life, internal/counter): the sealed life record of
// each dossier received here (stage, procedures, history with who, when and where, the
// applicant), and an unsealed index of every dossier the counter knows, its own and those
// other counters of the agency received (pulled from the gateway), holding no personal data,
// for the dossier book, the late watch and the reports. The buckets are created by the first
// write, so stores made before them need no migration.

const (
	bucketLifeIndex = "life_index"   // unsealed: LifeInfo per dossier code
	bucketLife      = "dossier_life" // sealed: the life record of a dossier received here
	bucketLifeMarks = "life_marks"   // unsealed: times of the last pulls (no personal data)
)

// LifeInfo is the unsealed index entry of a dossier's life. It must hold no personal data:
// codes, a stage name, times, the counter number, a procedure code and a channel.
type LifeInfo struct {
	Code        string    `json:"code"`
	Stage       string    `json:"stage"`
	Service     string    `json:"service,omitempty"`
	Counter     string    `json:"counter,omitempty"`
	Channel     string    `json:"channel,omitempty"`
	ReceivedAt  time.Time `json:"receivedAt"`
	Due         time.Time `json:"due,omitzero"`         // the appointment given at reception
	Appointment time.Time `json:"appointment,omitzero"` // the one in force
	ResultAt    time.Time `json:"resultAt,omitzero"`
	ReturnedAt  time.Time `json:"returnedAt,omitzero"`
	// Late: the result came after its due day (a pending dossier past its due day is late too:
	// readers compare Due with the day). Extended: an apology moved the appointment.
	Late     bool `json:"late,omitempty"`
	Extended bool `json:"extended,omitempty"`
	// Remote: received at another counter of the agency; known from the gateway's list, with
	// no sealed record here.
	Remote    bool      `json:"remote,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`

	// For the reports (internal/reports). Timeliness is the result's against its due day
	// ("early", "on_time", "late": lifecycle.Timely*) once the dossier has one. SupplementAt is
	// the first supplement request while it was handled, EndedAt when it was stopped or
	// withdrawn, RatedAt when the citizen rated it, with the answers as "question=answer" codes.
	Timeliness   string    `json:"timeliness,omitempty"`
	SupplementAt time.Time `json:"supplementAt,omitzero"`
	EndedAt      time.Time `json:"endedAt,omitzero"`
	RatedAt      time.Time `json:"ratedAt,omitzero"`
	Rating       []string  `json:"rating,omitempty"`
	// Reception is how a dossier received here was received (set at reception; a later write
	// without it keeps it).
	Reception *ReceptionFacts `json:"reception,omitempty"`
}

// Check reports whether the entry may be stored (PutLife, PutRemoteLife check it too): a
// caller writing entries that came from outside skips a bad one instead of failing them all.
func (i LifeInfo) Check() error { return i.check() }

func (i LifeInfo) check() error {
	if err := checkToken("dossier code", i.Code, true); err != nil {
		return err
	}
	if err := checkToken("dossier stage", i.Stage, true); err != nil {
		return err
	}
	for _, f := range []struct{ what, v string }{{"service code", i.Service}, {"counter", i.Counter}, {"channel", i.Channel},
		{"timeliness", i.Timeliness}} {
		if err := checkToken(f.what, f.v, false); err != nil {
			return err
		}
	}
	if len(i.Rating) > 20 {
		return fmt.Errorf("offline: %d rating answers", len(i.Rating))
	}
	for _, a := range i.Rating {
		if err := checkToken("rating answer", a, true); err != nil {
			return err
		}
	}
	return i.Reception.check()
}

// lifeBucket returns a life bucket, created when the unit of work writes (nil when reading a
// store that has none yet).
func (t *Tx) lifeBucket(name string) (*bolt.Bucket, error) {
	b := t.tx.Bucket([]byte(name))
	if b == nil && t.tx.Writable() {
		var err error
		if b, err = t.tx.CreateBucket([]byte(name)); err != nil {
			return nil, fmt.Errorf("offline: creating bucket %q: %w", name, err)
		}
	}
	return b, nil
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	blob, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("offline: encoding %s: %w", key, err)
	}
	if err := b.Put([]byte(key), blob); err != nil {
		return fmt.Errorf("offline: writing %s: %w", key, err)
	}
	return nil
}

// PutLife stores the life record of a dossier received here: blob (forms.Life, personal data)
// is sealed, info goes to the index (a remote entry of the same code is replaced). UpdatedAt
// is now.
func (t *Tx) PutLife(info LifeInfo, blob []byte) error {
	if err := info.check(); err != nil {
		return err
	}
	if len(blob) == 0 {
		return fmt.Errorf("offline: life of %s without a record", info.Code)
	}
	lb, err := t.lifeBucket(bucketLife)
	if err != nil {
		return err
	}
	ib, err := t.lifeBucket(bucketLifeIndex)
	if err != nil {
		return err
	}
	if lb == nil || ib == nil {
		return fmt.Errorf("offline: life of %s: read-only unit of work", info.Code)
	}
	sealed, err := t.seal(bucketLife, []byte(info.Code), blob)
	if err != nil {
		return err
	}
	if err := lb.Put([]byte(info.Code), sealed); err != nil {
		return fmt.Errorf("offline: writing life %s: %w", info.Code, err)
	}
	info.Remote, info.UpdatedAt = false, t.s.now()
	if info.Reception == nil {
		if old, ok, err := t.LifeInfo(info.Code); err != nil {
			return err
		} else if ok {
			info.Reception = old.Reception
		}
	}
	if err := t.putLifeIndex(ib, info); err != nil {
		return err
	}
	return t.putLifeFacts(info)
}

// putLifeIndex writes the index entry of info and keeps the index by reception time.
func (t *Tx) putLifeIndex(ib *bolt.Bucket, info LifeInfo) error {
	blob, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("offline: encoding life index %s: %w", info.Code, err)
	}
	return t.putIndexEntry(livesReceived, ib, info.Code, blob)
}

// PutRemoteLife keeps the index entry of a dossier another counter received (from the
// gateway's list). It never replaces the entry of a dossier that has a record here, and
// reports whether it wrote.
func (t *Tx) PutRemoteLife(info LifeInfo) (bool, error) {
	if err := info.check(); err != nil {
		return false, err
	}
	ib, err := t.lifeBucket(bucketLifeIndex)
	if err != nil {
		return false, err
	}
	if ib == nil {
		return false, fmt.Errorf("offline: remote life of %s: read-only unit of work", info.Code)
	}
	if lb := t.tx.Bucket([]byte(bucketLife)); lb != nil && lb.Get([]byte(info.Code)) != nil {
		return false, nil
	}
	info.Remote, info.UpdatedAt, info.Reception = true, t.s.now(), nil
	if err := t.putLifeIndex(ib, info); err != nil {
		return false, err
	}
	return true, t.putLifeFacts(info)
}

// GetLife returns the opened life record of a dossier received here and its index entry, or
// ErrNotFound.
func (t *Tx) GetLife(code string) ([]byte, LifeInfo, error) {
	lb := t.tx.Bucket([]byte(bucketLife))
	var v []byte
	if lb != nil {
		v = lb.Get([]byte(code))
	}
	if v == nil {
		return nil, LifeInfo{}, fmt.Errorf("%w: life %s", ErrNotFound, code)
	}
	blob, err := t.open(bucketLife, []byte(code), v)
	if err != nil {
		return nil, LifeInfo{}, err
	}
	info, _, err := t.LifeInfo(code)
	return blob, info, err
}

// LifeInfo returns the index entry of a dossier (ok false when none).
func (t *Tx) LifeInfo(code string) (LifeInfo, bool, error) {
	ib := t.tx.Bucket([]byte(bucketLifeIndex))
	if ib == nil {
		return LifeInfo{}, false, nil
	}
	v := ib.Get([]byte(code))
	if v == nil {
		return LifeInfo{}, false, nil
	}
	var info LifeInfo
	if err := json.Unmarshal(v, &info); err != nil {
		return LifeInfo{}, false, fmt.Errorf("offline: life index %s: %w", code, err)
	}
	return info, true, nil
}

// ScanLife calls fn with every index entry, in code order, until fn returns an error (which
// ScanLife returns). It holds the unit of work open: fn must be quick.
func (t *Tx) ScanLife(fn func(LifeInfo) error) error {
	ib := t.tx.Bucket([]byte(bucketLifeIndex))
	if ib == nil {
		return nil
	}
	return ib.ForEach(func(k, v []byte) error {
		var info LifeInfo
		if err := json.Unmarshal(v, &info); err != nil {
			return fmt.Errorf("offline: life index %s: %w", k, err)
		}
		return fn(info)
	})
}

// ListLife returns the index entries fn keeps, oldest received first.
func (t *Tx) ListLife(keep func(LifeInfo) bool) ([]LifeInfo, error) {
	return t.ListLifeReceived(time.Time{}, time.Time{}, keep)
}

// receivedKey is how an index entry's reception time starts in its JSON (putJSON of LifeInfo).
var receivedKey = []byte(`"receivedAt":"`)

// receivedOf reads the reception time of an index entry without decoding the rest (ok false
// when it cannot: the entry is then decoded whole).
func receivedOf(v []byte) (time.Time, bool) {
	i := bytes.Index(v, receivedKey)
	if i < 0 {
		return time.Time{}, false
	}
	rest := v[i+len(receivedKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, string(rest[:j]))
	return at, err == nil
}

// ListLifeReceived is ListLife over the entries received within [from, to) (a zero bound is
// open). A period is read from the index by reception time (received.go): a book of a month
// over a ward-year's index reads and decodes that month's entries only. In a store whose
// index by reception time is not built yet, the whole index is read and an entry decoded only
// when its reception time is in range.
func (t *Tx) ListLifeReceived(from, to time.Time, keep func(LifeInfo) bool) ([]LifeInfo, error) {
	var out []LifeInfo
	add := func(k, v []byte) error {
		var info LifeInfo
		if err := json.Unmarshal(v, &info); err != nil {
			return fmt.Errorf("offline: life index %s: %w", k, err)
		}
		if (from.IsZero() || !info.ReceivedAt.Before(from)) && (to.IsZero() || info.ReceivedAt.Before(to)) && (keep == nil || keep(info)) {
			out = append(out, info)
		}
		return nil
	}
	if !from.IsZero() || !to.IsZero() {
		ok, err := t.receivedRange(livesReceived, from, to, false, func(k, v []byte) (bool, error) { return true, add(k, v) })
		if err != nil {
			return nil, err
		}
		if ok {
			return out, nil
		}
	}
	var err error
	if ib := t.tx.Bucket([]byte(bucketLifeIndex)); ib != nil {
		err = ib.ForEach(func(k, v []byte) error {
			if at, ok := receivedOf(v); ok && (!from.IsZero() && at.Before(from) || !to.IsZero() && !at.Before(to)) {
				return nil
			}
			return add(k, v)
		})
	}
	sort.SliceStable(out, func(a, b int) bool {
		if !out[a].ReceivedAt.Equal(out[b].ReceivedAt) {
			return out[a].ReceivedAt.Before(out[b].ReceivedAt)
		}
		return out[a].Code < out[b].Code
	})
	return out, err
}

// SetLifeMark records a time under name (the last pull of the agency's list...).
func (t *Tx) SetLifeMark(name string, at time.Time) error {
	if err := checkToken("mark", name, true); err != nil {
		return err
	}
	b, err := t.lifeBucket(bucketLifeMarks)
	if err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("offline: mark %s: read-only unit of work", name)
	}
	v, err := at.UTC().MarshalText()
	if err != nil {
		return err
	}
	return b.Put([]byte(name), v)
}

// LifeMark returns the time recorded under name (zero when none).
func (t *Tx) LifeMark(name string) (time.Time, error) {
	b := t.tx.Bucket([]byte(bucketLifeMarks))
	if b == nil {
		return time.Time{}, nil
	}
	v := b.Get([]byte(name))
	if v == nil {
		return time.Time{}, nil
	}
	var at time.Time
	if err := at.UnmarshalText(bytes.Clone(v)); err != nil {
		return time.Time{}, fmt.Errorf("offline: mark %s: %w", name, err)
	}
	return at, nil
}
