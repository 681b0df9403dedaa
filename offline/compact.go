package offline

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	bolt "go.etcd.io/bbolt"
)

// compactTxSize is how many bytes bbolt.Compact copies per transaction.
const compactTxSize = 4 << 20

// Compact rewrites the store in dir into a fresh file and atomically renames it over
// motcua.db, so that the file shrinks after a purge and no freed page (with old values, or
// plain values before an encryption) is left in it. It needs no key: it copies bytes. It holds
// the write lock meanwhile. The replaced file is marked, so that a unit of work in another
// process that opened it just before the rename reopens the new one. Returns the file sizes.
func Compact(dir string, opt Options) (before, after int64, err error) {
	s, err := newStore(dir, opt, false)
	if err != nil {
		return 0, 0, err
	}
	return s.Compact()
}

// Compact is the package function Compact for this store's directory.
func (s *Store) Compact() (before, after int64, err error) {
	for attempt := 0; ; attempt++ {
		err = s.withDB(false, func(src *bolt.DB) error {
			var err error
			before, after, err = s.compactLocked(src)
			return err
		})
		if errors.Is(err, errSuperseded) && attempt < 50 {
			continue
		}
		return before, after, err
	}
}

func (s *Store) compactLocked(src *bolt.DB) (before, after int64, err error) {
	if err := src.View(func(btx *bolt.Tx) error { return (&Tx{s: s, tx: btx}).guard(false) }); err != nil {
		return 0, 0, err
	}
	st, err := os.Stat(s.path)
	if err != nil {
		return 0, 0, fmt.Errorf("offline: compaction: %w", err)
	}
	before = st.Size()
	tmp := s.path + ".compact"
	_ = os.Remove(tmp) // a leftover of an interrupted compaction
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return before, 0, fmt.Errorf("offline: compaction: creating %s: %w", tmp, err)
	}
	if err := bolt.Compact(dst, src, compactTxSize); err != nil {
		_ = dst.Close()
		_ = os.Remove(tmp)
		return before, 0, fmt.Errorf("offline: compaction: %w", err)
	}
	if err := dst.Close(); err != nil {
		_ = os.Remove(tmp)
		return before, 0, fmt.Errorf("offline: compaction: closing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		_ = os.Remove(tmp)
		return before, 0, fmt.Errorf("offline: compaction: replacing %s: %w", s.path, err)
	}
	syncDir(s.dir)
	// The old file is unlinked but still open and locked here: mark it, for a process that
	// opened it before the rename and gets its lock after we close it.
	if err := src.Update(func(btx *bolt.Tx) error {
		return btx.Bucket([]byte(bucketMeta)).Put(metaSuperseded, []byte{1})
	}); err != nil {
		return before, 0, fmt.Errorf("offline: compaction: marking the old file: %w", err)
	}
	if st, err := os.Stat(s.path); err == nil {
		after = st.Size()
	}
	return before, after, nil
}

// syncDir makes a rename durable (not possible, nor needed, on Windows).
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// PurgeLookups deletes the whole look-up cache and returns how many records it held; it is
// written to the audit log (ActionPurge "lookups=<n>"). Call Compact afterwards to shrink
// the file.
func (t *Tx) PurgeLookups() (int, error) {
	n, err := t.emptyLookups()
	if err != nil {
		return 0, err
	}
	return n, t.logAdmin(ActionPurge, fmt.Sprintf("lookups=%d", n))
}

// PurgeLookups deletes the look-up cache; see Tx.PurgeLookups.
func (s *Store) PurgeLookups() (n int, err error) {
	err = s.Update(func(tx *Tx) error { n, err = tx.PurgeLookups(); return err })
	return n, err
}

// VerifyAudit checks the audit chain; see Tx.VerifyAudit.
func (s *Store) VerifyAudit() (rep AuditReport, err error) {
	verr := s.View(func(tx *Tx) error { rep, err = tx.VerifyAudit(); return nil })
	if verr != nil {
		return rep, verr
	}
	return rep, err
}

// ExportAudit writes the audit entries with from <= Time < to as JSON Lines (see
// Tx.ExportAudit) and then records the export in the log itself (ActionExport, Detail
// "audit=<n>", by the store's Actor). The caller checks that the acting operator is a
// supervisor.
func (s *Store) ExportAudit(w io.Writer, from, to time.Time) (n int, err error) {
	if err := s.View(func(tx *Tx) error { n, err = tx.ExportAudit(w, from, to); return err }); err != nil {
		return n, err
	}
	return n, s.Update(func(tx *Tx) error { return tx.logAdmin(ActionExport, fmt.Sprintf("audit=%d", n)) })
}
