package offline

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Running counts of the access log (for the reports: look-ups by purpose and operator), kept
// per hour in the unit of work that appends each entry, so they are exactly as durable as the
// log itself: a process killed at any point leaves both as they were before its last commit, or
// both after it. A store whose log began before the counts began has the first counted
// sequence number recorded: AccessCounts counts the older entries from the log itself.

const (
	bucketAccessCounts = "access_counts"
	countsFromKey      = "from" // the first sequence number counted (8 bytes)
)

// AccessCount is the number of access-log entries of one hour with the same action, purpose,
// operator and outcome.
type AccessCount struct {
	Hour     time.Time // the hour's start (UTC)
	Action   string
	Purpose  string
	Operator string
	Outcome  string
	N        uint64
}

func countKey(e AccessEntry) []byte {
	k := make([]byte, 8, 8+len(e.Action)+len(e.Purpose)+len(e.Operator)+len(e.Outcome)+3)
	binary.BigEndian.PutUint64(k, uint64(e.Time.Unix()/3600))
	for i, s := range []string{e.Action, e.Purpose, e.Operator, e.Outcome} {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, s...)
	}
	return k
}

// countAccess adds e (appended in this unit of work) to the running counts.
func (t *Tx) countAccess(e AccessEntry) error {
	b, err := t.lifeBucket(bucketAccessCounts)
	if err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("offline: access counts: read-only unit of work")
	}
	if b.Get([]byte(countsFromKey)) == nil {
		if err := b.Put([]byte(countsFromKey), seqKey(e.Seq)); err != nil {
			return fmt.Errorf("offline: access counts: %w", err)
		}
	}
	k := countKey(e)
	var n uint64
	if v := b.Get(k); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], n+1)
	if err := b.Put(k, v[:]); err != nil {
		return fmt.Errorf("offline: access counts: %w", err)
	}
	return nil
}

// AccessCounts calls fn with the counts of the hours that start at or after from and before
// to (zero bounds are open); bounds are meant to fall on whole hours (an hour that starts
// before from is left out whole). Entries older than the counts are counted from the log
// (each as a count of 1, in log order, before the counted hours).
func (t *Tx) AccessCounts(from, to time.Time, fn func(AccessCount) error) error {
	b := t.tx.Bucket([]byte(bucketAccessCounts))
	first := uint64(1<<63 - 1)
	if b != nil {
		if v := b.Get([]byte(countsFromKey)); len(v) == 8 {
			first = binary.BigEndian.Uint64(v)
		}
	}
	in := func(at time.Time) bool {
		h := at.Unix() / 3600
		return (from.IsZero() || h >= ceilHour(from)) && (to.IsZero() || h < ceilHour(to))
	}
	if first > 1 {
		if log := t.tx.Bucket([]byte(bucketAccess)); log != nil {
			c := log.Cursor()
			for k, v := c.First(); len(k) == 8 && binary.BigEndian.Uint64(k) < first; k, v = c.Next() {
				r, err := decodeAudit(k, v)
				if err != nil {
					return err
				}
				if !in(r.Time) {
					continue
				}
				h := time.Unix(r.Time.Unix()/3600*3600, 0).UTC()
				if err := fn(AccessCount{Hour: h, Action: r.Action, Purpose: r.Purpose, Operator: r.Operator, Outcome: r.Outcome, N: 1}); err != nil {
					return err
				}
			}
		}
	}
	if b == nil {
		return nil
	}
	c := b.Cursor()
	var k, v []byte
	if from.IsZero() {
		k, v = c.First()
	} else {
		var start [8]byte
		binary.BigEndian.PutUint64(start[:], uint64(ceilHour(from)))
		k, v = c.Seek(start[:])
	}
	return forCounts(c, k, v, to, fn)
}

func forCounts(c *bolt.Cursor, k, v []byte, to time.Time, fn func(AccessCount) error) error {
	words := map[string]string{}
	word := func(b []byte) string {
		if s, ok := words[string(b)]; ok {
			return s
		}
		s := string(b)
		if len(words) < 4096 {
			words[s] = s
		}
		return s
	}
	for ; k != nil; k, v = c.Next() {
		if len(k) < 8 || bytes.Equal(k, []byte(countsFromKey)) || len(v) != 8 {
			continue
		}
		h := int64(binary.BigEndian.Uint64(k[:8]))
		if !to.IsZero() && h >= ceilHour(to) {
			return nil
		}
		var parts [4][]byte
		rest, n := k[8:], 0
		for ; n < 3; n++ {
			i := bytes.IndexByte(rest, 0)
			if i < 0 {
				break
			}
			parts[n], rest = rest[:i], rest[i+1:]
		}
		if n != 3 {
			continue
		}
		parts[3] = rest
		ac := AccessCount{Hour: time.Unix(h*3600, 0).UTC(), Action: word(parts[0]), Purpose: word(parts[1]),
			Operator: word(parts[2]), Outcome: word(parts[3]), N: binary.BigEndian.Uint64(v)}
		if err := fn(ac); err != nil {
			return err
		}
	}
	return nil
}

// ceilHour is the number of the first hour starting at or after t.
func ceilHour(t time.Time) int64 {
	s := t.Unix()
	h := s / 3600
	if s%3600 != 0 || t.Nanosecond() != 0 {
		if s >= 0 {
			h++
		}
	}
	return h
}
