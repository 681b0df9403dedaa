package offline

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// The certification register (sổ chứng thực, NĐ 23/2015/NĐ-CP art. 13, TT 01/2020/TT-BTP):
// every certification gets a number of the register's yearly sequence. The number carries
// the counter's number as a dossier code does ("<CC><NNNNN>": counter 03, 12th certification
// of the year is "0300012"), so that the ward's counters, each with its own store, never give
// the same number. A number is taken and its entry written in one unit of work: a number is
// either in the register or was never taken (no gap, never reused, whatever kills the
// process). The entry's content (the requester's name and ID, the document) is sealed; the
// index (number, kind, counter, operator, time, copies, pages, fee) holds no personal data,
// for the register's counts and the fees collected. The buckets are created by the first
// write.

const (
	bucketCertIndex = "cert_index"    // unsealed: CertInfo by register key
	bucketCerts     = "cert_register" // sealed: the entry's content
)

// ActionCertify is the access log's action of a certification (Detail "number=<n>").
const ActionCertify = "certify"

// MaxCertsPerYear is how many numbers one counter can give in a year.
const MaxCertsPerYear = 99999

// ErrCertSequenceExhausted is returned when a counter has used all numbers of a year.
var ErrCertSequenceExhausted = errors.New("offline: certification register of the year exhausted")

// CertInfo is the unsealed index entry of a certification. No personal data.
type CertInfo struct {
	Number   string    `json:"number"` // FormatCertNumber
	Year     int       `json:"year"`
	Counter  int       `json:"counter"`
	Seq      int       `json:"seq"`  // the counter's running number of the year
	Kind     string    `json:"kind"` // what was certified (a register's kind: "ban-sao")
	Operator string    `json:"operator"`
	At       time.Time `json:"at"`
	Copies   int       `json:"copies"`
	Pages    int       `json:"pages"` // pages of the original
	// Fee is the amount charged (đồng) for all the copies; FeeKnown is false when the
	// schedule gives no amount (unknown, never zero).
	Fee      int64  `json:"fee"`
	FeeKnown bool   `json:"feeKnown"`
	Exempt   string `json:"exempt,omitempty"` // an exemption's code: nothing charged
}

// FormatCertNumber is the number of the n-th certification of the year at the counter.
func FormatCertNumber(counter, n int) string { return fmt.Sprintf("%02d%05d", counter, n) }

// certKey is the register key of a number: the year first, so that a year's entries are
// together and in order.
func certKey(year int, number string) []byte { return []byte(fmt.Sprintf("%04d|%s", year, number)) }

func (i CertInfo) check() error {
	if i.Year < 2000 || i.Year > 9999 || i.Counter < 1 || i.Counter > 99 || i.Seq < 1 || i.Seq > MaxCertsPerYear {
		return fmt.Errorf("offline: certification %q: year %d, counter %d, number %d out of range", i.Number, i.Year, i.Counter, i.Seq)
	}
	if i.Number != FormatCertNumber(i.Counter, i.Seq) {
		return fmt.Errorf("offline: certification number %q is not counter %02d's number %d", i.Number, i.Counter, i.Seq)
	}
	if i.Copies < 1 || i.Pages < 1 || i.Fee < 0 {
		return fmt.Errorf("offline: certification %s: %d copies of %d pages, fee %d", i.Number, i.Copies, i.Pages, i.Fee)
	}
	for _, f := range []struct {
		what, v string
		req     bool
	}{{"certification kind", i.Kind, true}, {"operator", i.Operator, true}, {"exemption", i.Exempt, false}} {
		if err := checkToken(f.what, f.v, f.req); err != nil {
			return err
		}
	}
	return nil
}

// NextCertNumber reserves the next number of the year's register for the agency's counter and
// returns it with its running number. A number already in the register is skipped. Reserve
// and PutCert in the same unit of work: then a number is never lost nor given twice.
func (t *Tx) NextCertNumber(agency string, counter, year int) (string, int, error) {
	if !ValidAgencyCode(agency) {
		return "", 0, fmt.Errorf("offline: invalid agency code %q", agency)
	}
	if counter < 1 || counter > 99 {
		return "", 0, fmt.Errorf("offline: counter number %d outside 1..99", counter)
	}
	if year < 2000 || year > 9999 {
		return "", 0, fmt.Errorf("offline: register year %d", year)
	}
	seq, err := t.bucket(bucketSeq)
	if err != nil {
		return "", 0, err
	}
	idx, err := t.lifeBucket(bucketCertIndex)
	if err != nil {
		return "", 0, err
	}
	key := []byte(fmt.Sprintf("cert:%s|%04d|%02d", agency, year, counter))
	var n uint32
	if v := seq.Get(key); v != nil {
		if len(v) != 4 {
			return "", 0, fmt.Errorf("offline: certification sequence %q has %d bytes", key, len(v))
		}
		n = binary.BigEndian.Uint32(v)
	}
	for {
		if n >= MaxCertsPerYear {
			return "", 0, fmt.Errorf("%w: agency %s, counter %02d, %d", ErrCertSequenceExhausted, agency, counter, year)
		}
		n++
		number := FormatCertNumber(counter, int(n))
		if idx != nil && idx.Get(certKey(year, number)) != nil {
			continue
		}
		var v [4]byte
		binary.BigEndian.PutUint32(v[:], n)
		if err := seq.Put(key, v[:]); err != nil {
			return "", 0, fmt.Errorf("offline: saving certification sequence: %w", err)
		}
		return number, int(n), nil
	}
}

// PutCert writes a certification into the register: blob (its content, personal data)
// sealed, info indexed. A number already in the register is refused: an entry is never
// replaced.
func (t *Tx) PutCert(info CertInfo, blob []byte) error {
	if err := info.check(); err != nil {
		return err
	}
	cb, err := t.lifeBucket(bucketCerts)
	if err != nil {
		return err
	}
	ib, err := t.lifeBucket(bucketCertIndex)
	if err != nil {
		return err
	}
	if cb == nil || ib == nil {
		return fmt.Errorf("offline: certification %s: read-only unit of work", info.Number)
	}
	k := certKey(info.Year, info.Number)
	if ib.Get(k) != nil {
		return fmt.Errorf("offline: certification %s of %d is already in the register", info.Number, info.Year)
	}
	sealed, err := t.seal(bucketCerts, k, blob)
	if err != nil {
		return err
	}
	if err := cb.Put(k, sealed); err != nil {
		return fmt.Errorf("offline: writing certification %s: %w", info.Number, err)
	}
	return putJSON(ib, string(k), info)
}

// CertEntry is a register entry: its index and its opened content.
type CertEntry struct {
	Info CertInfo
	Blob []byte
}

// ListCerts returns the index entries of a year's register (year 0: every year) made at or
// after from and before to (zero: unbounded), in register order (year, counter, number).
func (t *Tx) ListCerts(year int, from, to time.Time) ([]CertInfo, error) {
	ib := t.tx.Bucket([]byte(bucketCertIndex))
	if ib == nil {
		return nil, nil
	}
	var out []CertInfo
	c := ib.Cursor()
	prefix := []byte{}
	if year != 0 {
		prefix = []byte(fmt.Sprintf("%04d|", year))
	}
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		var info CertInfo
		if err := json.Unmarshal(v, &info); err != nil {
			return nil, fmt.Errorf("offline: certification index %s: %w", k, err)
		}
		if (from.IsZero() || !info.At.Before(from)) && (to.IsZero() || info.At.Before(to)) {
			out = append(out, info)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Year != out[j].Year {
			return out[i].Year < out[j].Year
		}
		return out[i].Number < out[j].Number
	})
	return out, nil
}

func hasPrefix(k, p []byte) bool { return len(k) >= len(p) && string(k[:len(p)]) == string(p) }

// Certs returns a year's register entries with their opened content (see ListCerts).
func (t *Tx) Certs(year int, from, to time.Time) ([]CertEntry, error) {
	infos, err := t.ListCerts(year, from, to)
	if err != nil {
		return nil, err
	}
	cb := t.tx.Bucket([]byte(bucketCerts))
	out := make([]CertEntry, 0, len(infos))
	for _, info := range infos {
		k := certKey(info.Year, info.Number)
		var v []byte
		if cb != nil {
			v = cb.Get(k)
		}
		if v == nil {
			return nil, fmt.Errorf("%w: certification %s of %d", ErrNotFound, info.Number, info.Year)
		}
		blob, err := t.open(bucketCerts, k, v)
		if err != nil {
			return nil, err
		}
		out = append(out, CertEntry{Info: info, Blob: blob})
	}
	return out, nil
}
