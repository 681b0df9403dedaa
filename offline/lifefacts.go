package offline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"motcua/lookups"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The reports' copy of the life index (internal/reports): every LifeInfo written by PutLife and
// PutRemoteLife is also kept, in the same unit of work, in a compact binary form that a ward's
// year (200,000 dossiers) can be read from in a fraction of a second, where decoding the JSON
// index takes seconds. It holds exactly what the index holds (no personal data). A store made
// before it has the copy built by its first life write (the mark lifeFactsMark says it is
// complete); until then ScanLifeFacts reads the JSON index.

const (
	bucketLifeFacts = "life_facts" // unsealed: the compact LifeInfo per dossier code
	lifeFactsMark   = "life-facts/v1"
	lifeFactsV1     = 1
)

// Reception facts: how a dossier received here was identified and where its residence came
// from (Đề án 06), for the reports. The residence's source is a lookups.ValueSource, the
// one vocabulary of where a value came from.
const (
	ResidenceDatabase = lookups.SourceDatabase // the population database, live through the gateway
	ResidenceCache    = lookups.SourceCache    // the population database, from the cache while the link was down
	ResidenceTyped    = lookups.SourceClerk    // typed by the clerk (no database record)
	ResidenceCard     = lookups.SourceCard     // as read from the card (chip or QR), not from the database
)

// How the applicant was identified at reception.
const (
	IdentityChip   = "chip"   // chip read, the chip proven original (active or chip authentication)
	IdentitySigned = "signed" // chip read, data signed by the issuer, the chip itself not proven
	IdentityQR     = "qr"     // the card's QR code
	IdentityTyped  = "typed"  // the ID number typed
)

// ReceptionFacts is how a dossier received here was received. No personal data: codes and times.
type ReceptionFacts struct {
	// Residence is where the applicant's residence came from (Residence*), "" when the service
	// has none; ResidenceAt is when the database produced it.
	Residence   lookups.ValueSource `json:"residence,omitempty"`
	ResidenceAt time.Time           `json:"residenceAt,omitzero"`
	// PaperResidence: a residence paper (CT07, CT08) is among the documents received.
	PaperResidence bool `json:"paperResidence,omitempty"`
	// Identity is how the person the dossier is about (or its requester) was identified (Identity*).
	Identity string `json:"identity,omitempty"`
	// Cached: a record of the dossier was served from the cache while the link was down.
	Cached bool `json:"cached,omitempty"`
	// IdentifiedAt is the first identification of the visit (card read, QR scanned or ID
	// typed); zero for a dossier entered later from paper (Backlog).
	IdentifiedAt time.Time `json:"identifiedAt,omitzero"`
	Backlog      bool      `json:"backlog,omitempty"`
}

func (r *ReceptionFacts) check() error {
	if r == nil {
		return nil
	}
	for _, f := range []struct{ what, v string }{{"residence source", string(r.Residence)}, {"identity method", r.Identity}} {
		if err := checkToken(f.what, f.v, false); err != nil {
			return err
		}
	}
	return nil
}

// lifeFactsBucket returns the compact index when it is complete (nil otherwise, or when none).
func (t *Tx) lifeFactsBucket() *bolt.Bucket {
	marks := t.tx.Bucket([]byte(bucketLifeMarks))
	if marks == nil || marks.Get([]byte(lifeFactsMark)) == nil {
		return nil
	}
	return t.tx.Bucket([]byte(bucketLifeFacts))
}

// putLifeFacts writes the compact copy of info (after its JSON index entry), building the
// whole copy first when the store has none yet.
func (t *Tx) putLifeFacts(info LifeInfo) error {
	fb, err := t.lifeBucket(bucketLifeFacts)
	if err != nil {
		return err
	}
	marks, err := t.lifeBucket(bucketLifeMarks)
	if err != nil {
		return err
	}
	if fb == nil || marks == nil {
		return fmt.Errorf("offline: life facts of %s: read-only unit of work", info.Code)
	}
	if marks.Get([]byte(lifeFactsMark)) == nil {
		ib := t.tx.Bucket([]byte(bucketLifeIndex))
		if ib != nil {
			err := t.ScanLife(func(i LifeInfo) error { return fb.Put([]byte(i.Code), appendLifeFacts(nil, i)) })
			if err != nil {
				return err
			}
		}
		if err := marks.Put([]byte(lifeFactsMark), []byte{lifeFactsV1}); err != nil {
			return fmt.Errorf("offline: life facts mark: %w", err)
		}
	}
	if err := fb.Put([]byte(info.Code), appendLifeFacts(nil, info)); err != nil {
		return fmt.Errorf("offline: writing life facts %s: %w", info.Code, err)
	}
	return nil
}

// ScanLifeFacts calls fn with every index entry, in code order, from the compact copy (the
// JSON index when the copy is not built yet). The entry is reused between calls: fn copies
// what it keeps.
func (t *Tx) ScanLifeFacts(fn func(*LifeInfo) error) error {
	fb := t.lifeFactsBucket()
	if fb == nil {
		return t.ScanLife(func(i LifeInfo) error { return fn(&i) })
	}
	var info LifeInfo
	var rf ReceptionFacts
	words := map[string]string{}
	return fb.ForEach(func(k, v []byte) error {
		info = LifeInfo{}
		if err := decodeLifeFacts(v, &info, &rf, words); err != nil {
			return fmt.Errorf("offline: life facts %s: %w", k, err)
		}
		return fn(&info)
	})
}

// Binary layout (version 1): version byte, flags uvarint, then the strings (uvarint length and
// bytes) code, stage, service, counter, channel, timeliness, the rating's answers (a count,
// then each), then the times (varint unix nanoseconds, 0 for zero) receivedAt, due,
// appointment, resultAt, returnedAt, updatedAt, supplementAt, endedAt, ratedAt, and when
// flagReception is set: residence, identity, residenceAt, identifiedAt.
const (
	flagLate = 1 << iota
	flagExtended
	flagRemote
	flagReception
	flagPaperResidence
	flagCached
	flagBacklog
)

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendLifeFacts(b []byte, i LifeInfo) []byte {
	var flags uint64
	for _, f := range []struct {
		on  bool
		bit uint64
	}{{i.Late, flagLate}, {i.Extended, flagExtended}, {i.Remote, flagRemote}, {i.Reception != nil, flagReception}} {
		if f.on {
			flags |= f.bit
		}
	}
	if r := i.Reception; r != nil {
		if r.PaperResidence {
			flags |= flagPaperResidence
		}
		if r.Cached {
			flags |= flagCached
		}
		if r.Backlog {
			flags |= flagBacklog
		}
	}
	b = append(b, lifeFactsV1)
	b = binary.AppendUvarint(b, flags)
	for _, s := range []string{i.Code, i.Stage, i.Service, i.Counter, i.Channel, i.Timeliness} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(i.Rating)))
	for _, s := range i.Rating {
		b = appendString(b, s)
	}
	for _, t := range []time.Time{i.ReceivedAt, i.Due, i.Appointment, i.ResultAt, i.ReturnedAt, i.UpdatedAt, i.SupplementAt, i.EndedAt, i.RatedAt} {
		b = appendTime(b, t)
	}
	if r := i.Reception; r != nil {
		b = appendString(b, string(r.Residence))
		b = appendString(b, r.Identity)
		b = appendTime(b, r.ResidenceAt)
		b = appendTime(b, r.IdentifiedAt)
	}
	return b
}

var errFacts = errors.New("malformed compact entry")

type factsReader struct {
	b   []byte
	err error
	// words interns the short strings that repeat (stages, services, counters, channels):
	// a ward's year is read without allocating them 200,000 times
	words map[string]string
}

func (r *factsReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errFacts
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *factsReader) string() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errFacts
		return ""
	}
	w := r.b[:n]
	r.b = r.b[n:]
	if r.words != nil && n <= 64 {
		if s, ok := r.words[string(w)]; ok {
			return s
		}
		if len(r.words) < 4096 {
			s := string(w)
			r.words[s] = s
			return s
		}
	}
	return string(w)
}

func (r *factsReader) time() time.Time {
	if r.err != nil {
		return time.Time{}
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errFacts
		return time.Time{}
	}
	r.b = r.b[n:]
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v)
}

// decodeLifeFacts reads a compact entry into i (rf holds its reception facts when it has some).
func decodeLifeFacts(v []byte, i *LifeInfo, rf *ReceptionFacts, words map[string]string) error {
	if len(v) == 0 || v[0] != lifeFactsV1 {
		return errFacts
	}
	r := factsReader{b: v[1:]}
	flags := r.uvarint()
	i.Code = r.string()
	r.words = words
	i.Stage, i.Service, i.Counter, i.Channel, i.Timeliness = r.string(), r.string(), r.string(), r.string(), r.string()
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		return errFacts
	}
	i.Rating = nil
	for range n {
		i.Rating = append(i.Rating, r.string())
	}
	i.ReceivedAt, i.Due, i.Appointment, i.ResultAt, i.ReturnedAt = r.time(), r.time(), r.time(), r.time(), r.time()
	i.UpdatedAt, i.SupplementAt, i.EndedAt, i.RatedAt = r.time(), r.time(), r.time(), r.time()
	i.Late, i.Extended, i.Remote = flags&flagLate != 0, flags&flagExtended != 0, flags&flagRemote != 0
	i.Reception = nil
	if flags&flagReception != 0 {
		*rf = ReceptionFacts{Residence: lookups.ValueSource(r.string()), Identity: r.string(), ResidenceAt: r.time(), IdentifiedAt: r.time(),
			PaperResidence: flags&flagPaperResidence != 0, Cached: flags&flagCached != 0, Backlog: flags&flagBacklog != 0}
		i.Reception = rf
	}
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return errFacts
	}
	return nil
}

// equalFacts reports whether two entries encode alike (tests).
func equalFacts(a, b LifeInfo) bool {
	return bytes.Equal(appendLifeFacts(nil, a), appendLifeFacts(nil, b))
}
