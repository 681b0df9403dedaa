package offline

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// storedFormat reads the format byte of the file at path (nil: none).
func storedFormat(t *testing.T, path string) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 10 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	err = db.View(func(btx *bolt.Tx) error {
		v = bytes.Clone(btx.Bucket([]byte(bucketMeta)).Get(metaFormat))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// setFormat writes the format byte as another program would have (nil: deletes it).
func setFormat(t *testing.T, path string, v []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(btx *bolt.Tx) error {
		m := btx.Bucket([]byte(bucketMeta))
		if v == nil {
			return m.Delete(metaFormat)
		}
		return m.Put(metaFormat, v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The version that implies the indexes by reception time is above the version 2 the release
// before them (and the one that introduced them) wrote, and a new store records it.
func TestNewStoreRecordsFormatVersion(t *testing.T) {
	if formatVersion < 3 {
		t.Fatalf("formatVersion = %d: a store with the indexes by reception time must be told apart from version 2", formatVersion)
	}
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := storedFormat(t, s.Path()); !bytes.Equal(v, []byte{formatVersion}) {
		t.Errorf("Open made a store with format %v, want [%d]", v, formatVersion)
	}
	e := newEncrypted(t)
	if v := storedFormat(t, e.Path()); !bytes.Equal(v, []byte{formatVersion}) {
		t.Errorf("Init made a store with format %v, want [%d]", v, formatVersion)
	}
}

// A store an older version left (format 2, with or without the indexes by reception time) is
// migrated and marked with the current version by the first open or unlock.
func TestOlderStoreMigratedAndMarked(t *testing.T) {
	for _, indexed := range []bool{false, true} {
		name := "without the reception indexes"
		if indexed {
			name = "with the reception indexes (the last release)"
		}
		t.Run(name, func(t *testing.T) {
			older := func(t *testing.T, s *Store, seed uint64) {
				t.Helper()
				writeShuffled(t, s, seed)
				if !indexed {
					unbuildReceived(t, s.Path(), true)
				}
				setFormat(t, s.Path(), []byte{2})
			}
			check := func(t *testing.T, s *Store) {
				t.Helper()
				// above 2: an older program's byte, which says nothing of the indexes
				if v := storedFormat(t, s.Path()); !bytes.Equal(v, []byte{formatVersion}) || v[0] <= 2 {
					t.Errorf("format after the first open = %v, want [%d] (above 2)", v, formatVersion)
				}
				if !receivedIndexState(t, s) {
					t.Error("the indexes by reception time are not built")
				}
				// the history reads the index by reception time: the 160 dossier records
				// writeShuffled wrote
				if list, err := s.ListDossiers(DossierFilter{}); err != nil || len(list) != 160 {
					t.Errorf("dossiers after the migration: %d, %v", len(list), err)
				}
			}
			t.Run("unlock", func(t *testing.T) {
				s := newEncrypted(t)
				older(t, s, 11)
				u, _, err := Unlock(s.Dir(), clerk.ID, clerkPass, testOpt())
				if err != nil {
					t.Fatal(err)
				}
				check(t, u)
			})
			t.Run("key file", func(t *testing.T) {
				s := newEncrypted(t)
				kf := filepath.Join(t.TempDir(), "counter.key")
				if _, err := s.ExportKeyFile(kf, KeyRoleClerk); err != nil {
					t.Fatal(err)
				}
				if _, err := UnlockWithKeyFile(s.Dir(), kf, testOpt()); err != nil { // settles what the export left
					t.Fatal(err)
				}
				older(t, s, 12)
				u, err := UnlockWithKeyFile(s.Dir(), kf, testOpt())
				if err != nil {
					t.Fatal(err)
				}
				check(t, u)
			})
			t.Run("open", func(t *testing.T) {
				s, err := Open(t.TempDir(), Options{})
				if err != nil {
					t.Fatal(err)
				}
				older(t, s, 13)
				o, err := Open(s.Dir(), Options{})
				if err != nil {
					t.Fatal(err)
				}
				check(t, o)
			})
		})
	}
}

// A store written by a newer version is refused by every way in, before anything is written:
// the file keeps its bytes and its modification time.
func TestNewerStoreRefused(t *testing.T) {
	s := newEncrypted(t)
	writeShuffled(t, s, 21)
	kf := filepath.Join(t.TempDir(), "counter.key")
	if _, err := s.ExportKeyFile(kf, KeyRoleClerk); err != nil {
		t.Fatal(err)
	}
	plain, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range [][]byte{{formatVersion + 1}, {255}, {formatVersion, 0}} {
		setFormat(t, s.Path(), v)
		setFormat(t, plain.Path(), v)
		old := time.Now().Add(-time.Hour).Truncate(time.Second)
		for _, p := range []string{s.Path(), plain.Path()} {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
		before, err := os.ReadFile(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		plainBefore, err := os.ReadFile(plain.Path())
		if err != nil {
			t.Fatal(err)
		}
		ways := []struct {
			name string
			run  func() error
		}{
			{"unlock", func() error { _, _, err := Unlock(s.Dir(), clerk.ID, clerkPass, testOpt()); return err }},
			{"unlock, wrong passphrase", func() error { _, _, err := Unlock(s.Dir(), clerk.ID, "not the passphrase", testOpt()); return err }},
			{"unlock, unknown operator", func() error { _, _, err := Unlock(s.Dir(), "xx99", clerkPass, testOpt()); return err }},
			{"key file", func() error { _, err := UnlockWithKeyFile(s.Dir(), kf, testOpt()); return err }},
			{"init", func() error { _, err := Init(s.Dir(), supervisor, supPass, testOpt()); return err }},
			{"compact", func() error { _, _, err := Compact(s.Dir(), testOpt()); return err }},
			// a store unlocked before the file was replaced by a newer one (a restored backup)
			{"view of an unlocked store", func() error { _, err := s.ListDossiers(DossierFilter{}); return err }},
			{"update of an unlocked store", func() error { return s.LogAccess(AccessEntry{Operator: "cb02", Purpose: "check", Action: ActionPrint}) }},
			{"check passphrase", func() error { _, err := s.CheckPassphrase(clerk.ID, clerkPass); return err }},
			{"rotation", func() error { return s.DisableOperator(clerk.ID) }},
			{"open (unencrypted)", func() error { _, err := Open(plain.Dir(), Options{}); return err }},
			{"init over an unencrypted store", func() error { _, err := Init(plain.Dir(), supervisor, supPass, testOpt()); return err }},
			{"view of an open unencrypted store", func() error { _, err := plain.AccessLog(); return err }},
		}
		for _, w := range ways {
			if err := w.run(); !errors.Is(err, ErrStoreTooNew) {
				t.Errorf("format %v, %s: err = %v, want ErrStoreTooNew", v, w.name, err)
			}
		}
		for _, f := range []struct {
			path string
			want []byte
		}{{s.Path(), before}, {plain.Path(), plainBefore}} {
			after, err := os.ReadFile(f.path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, f.want) {
				t.Errorf("format %v: %s was written into", v, f.path)
			}
			if st, err := os.Stat(f.path); err != nil || !st.ModTime().Equal(old) {
				t.Errorf("format %v: %s modified (%v, %v)", v, f.path, st.ModTime(), err)
			}
			if _, err := os.Stat(f.path + ".compact"); !os.IsNotExist(err) {
				t.Errorf("format %v: a compaction copy was left: %v", v, err)
			}
		}
	}
	// back to this version's byte, the store opens again with its data
	setFormat(t, s.Path(), []byte{formatVersion})
	u, _, err := Unlock(s.Dir(), clerk.ID, clerkPass, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	if list, err := u.ListDossiers(DossierFilter{}); err != nil || len(list) != 160 {
		t.Errorf("dossiers once the version is back: %d, %v", len(list), err)
	}
}
