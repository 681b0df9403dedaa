package offline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/unicode/norm"
)

// Synthetic people (generated, not real): names with every Vietnamese tone and ID numbers.
var leakPeople = []struct{ name, id string }{
	{"Nguyễn Thị Hường", "001199000111"},
	{"Trần Văn Đức", "079088000222"},
	{"Lê Hoàng Yến Nhi", "048301000333"},
	{synthName, synthID},
}

// foldTones removes diacritics (đ to d), as a search box would.
func foldTones(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		case r == 'Đ':
			b.WriteRune('D')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// needles are every form of a person's data that must not appear in plain text.
func needles(name, id string) []string {
	var out []string
	for _, n := range []string{name, norm.NFD.String(name), foldTones(name), strings.ToLower(name), strings.ToLower(foldTones(name)), strings.ToUpper(foldTones(name))} {
		out = append(out, n)
		if f := strings.Fields(n); len(f) > 1 {
			out = append(out, f[len(f)-1]+" "+f[0], strings.Join(f[1:], " ")) // given names
		}
	}
	return append(out, id, id[3:], fmt.Sprintf("%x", id))
}

func assertNoLeak(t *testing.T, what string, raw []byte) {
	t.Helper()
	if len(raw) == 0 {
		t.Fatalf("%s is empty", what)
	}
	for _, p := range leakPeople {
		for _, n := range needles(p.name, p.id) {
			if bytes.Contains(raw, []byte(n)) {
				t.Errorf("%s contains %q", what, n)
			}
		}
	}
}

// writeLeakSession stores every person through every API that takes personal data.
func writeLeakSession(t *testing.T, s *Store) []string {
	t.Helper()
	var codes []string
	for i, p := range leakPeople {
		person, _ := json.Marshal(map[string]string{"fullName": p.name, "nfd": norm.NFD.String(p.name), "folded": foldTones(p.name),
			"lower": strings.ToLower(p.name), "id": p.id})
		err := s.Update(func(tx *Tx) error {
			if err := tx.PutLookup(p.id, person, time.Time{}); err != nil {
				return err
			}
			code, err := tx.NextDossierCode("G22.99.08", 1, seqDay)
			if err != nil {
				return err
			}
			codes = append(codes, code)
			if err := tx.PutDossier(DossierInfo{Code: code, State: "received", Service: "1.001193"}, person); err != nil {
				return err
			}
			if err := tx.PutReceipt(code, append([]byte("%PDF-1.4 "), person...)); err != nil {
				return err
			}
			if err := tx.PutDraft(DraftInfo{ID: fmt.Sprintf("d%d", i), Service: "1.001193", Operator: "cb02"}, person); err != nil {
				return err
			}
			// the dossier's life, an event about it and a reception slip carry the person too
			if err := tx.PutLife(LifeInfo{Code: code, Stage: "received", Service: "1.001193", Counter: "01"}, person); err != nil {
				return err
			}
			if _, err := tx.EnqueueEvent(code, "returned", fmt.Sprintf("k%d", i), person); err != nil {
				return err
			}
			if err := tx.PutSlip(SlipInfo{Code: fmt.Sprintf("G22.99.08-261123-BS01%04d", i), Kind: SlipSupplement, Service: "1.001193",
				Operator: "cb02", DraftID: fmt.Sprintf("d%d", i)}, person); err != nil {
				return err
			}
			// a receipt and a slip that did not print wait in the print queue, the slip's document with it
			if err := tx.QueuePrint(PrintReceipt, code, nil, errors.New("printer off")); err != nil {
				return err
			}
			if err := tx.QueuePrint(PrintSlip, fmt.Sprintf("G22.99.08-261123-BS01%04d", i), append([]byte("%PDF-1.4 "), person...), nil); err != nil {
				return err
			}
			for _, a := range []string{ActionLookup, ActionCardRead, ActionSubmit, ActionPrint} {
				if err := tx.LogAccess(AccessEntry{Operator: "cb02", Purpose: "dossier", Action: a, Subject: tx.SubjectRef(p.id), DossierCode: code, Outcome: "ok"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return codes
}

func TestLeak(t *testing.T) {
	s := newEncrypted(t)
	codes := writeLeakSession(t, s)
	// Rewrites and deletions leave freed pages behind: they must not hold plain text either.
	if _, err := s.DeleteLookup(leakPeople[0].id); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DeleteDraft("d1") }); err != nil {
		t.Fatal(err)
	}
	var export bytes.Buffer
	if _, err := s.ExportAudit(&export, time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	assertNoLeak(t, "audit export", export.Bytes())

	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	assertNoLeak(t, "motcua.db", raw)
	// No clear salt: the file alone does not let anyone test an ID against the keyed hashes.
	if bytes.Contains(raw, metaSalt) {
		t.Error("encrypted store keeps a subject salt")
	}

	// A compacted copy (the file after Compact) holds no plain text either.
	before, after, err := s.Compact()
	if err != nil || after == 0 || before == 0 {
		t.Fatalf("Compact: %d -> %d, %v", before, after, err)
	}
	raw, err = os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	assertNoLeak(t, "compacted motcua.db", raw)
	matches, _ := filepath.Glob(filepath.Join(s.Dir(), "*"))
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil {
			assertNoLeak(t, filepath.Base(m), b)
		}
	}

	// Every sealed value opens with the store's key and with no other.
	wrong, _ := AESGCM(bytes.Repeat([]byte{0x42}, 32))
	opened := 0
	err = s.View(func(tx *Tx) error {
		for _, name := range append([]string{bucketLookups}, tx.presentSealedBuckets()...) {
			err := tx.tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				if name == bucketLookups {
					v = v[8:]
				}
				if _, err := openWith(wrong, name, k, v); !errors.Is(err, ErrUnsealable) {
					t.Errorf("%s/%x opens with a wrong key: %v", name, k, err)
				}
				if _, err := tx.open(name, k, v); err != nil {
					t.Errorf("%s/%x does not open with the store's key: %v", name, k, err)
				}
				opened++
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || opened < 6*len(leakPeople) {
		t.Fatalf("checked %d sealed values: %v", opened, err)
	}
	// And the next operator reads them all after the compaction.
	s2, _, err := Unlock(s.Dir(), "cb02", clerkPass, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	for i, code := range codes {
		blob, _, err := s2.GetDossier(code)
		if err != nil || !bytes.Contains(blob, []byte(leakPeople[i].id)) {
			t.Errorf("dossier %s: %v", code, err)
		}
	}
	if _, err := s2.VerifyAudit(); err != nil {
		t.Error(err)
	}
}

// The same session in an unencrypted store does leak: the check above can fail.
func TestLeakCheckDetectsPlainStore(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeLeakSession(t, s)
	raw, _ := os.ReadFile(s.Path())
	for _, p := range leakPeople {
		if !bytes.Contains(raw, []byte(p.id)) || !bytes.Contains(raw, []byte(norm.NFD.String(p.name))) {
			t.Fatalf("plain store does not show %s: the leak check is blind", p.id)
		}
	}
}

func TestMigratePassThroughStore(t *testing.T) {
	dir := t.TempDir()
	old, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	codes := writeLeakSession(t, old)
	logBefore, _ := old.AccessLog()

	s, err := Init(dir, supervisor, supPass, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	// Everything but the cache is there, sealed with AES-GCM; the plain pages are gone.
	raw, _ := os.ReadFile(s.Path())
	assertNoLeak(t, "migrated motcua.db", raw)
	for i, code := range codes {
		blob, _, err := s.GetDossier(code)
		if err != nil || !bytes.Contains(blob, []byte(leakPeople[i].id)) {
			t.Errorf("dossier %s after migration: %v", code, err)
		}
		if _, err := s.GetReceipt(code); err != nil {
			t.Errorf("receipt %s: %v", code, err)
		}
		if _, _, err := s.GetDraft(fmt.Sprintf("d%d", i)); err != nil {
			t.Errorf("draft d%d: %v", i, err)
		}
	}
	if st, err := s.CacheStats(time.Hour); err != nil || st.Entries != 0 {
		t.Errorf("look-up cache after migration: %+v %v", st, err)
	}
	err = s.View(func(tx *Tx) error {
		for _, name := range tx.presentSealedBuckets() {
			if err := tx.tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				if v[0] != FrameAESGCM {
					t.Errorf("%s/%s not re-sealed (frame %#x)", name, k, v[0])
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	log, _ := s.AccessLog()
	if len(log) != len(logBefore)+2 {
		t.Fatalf("access log: %d entries after migration, %d before", len(log), len(logBefore))
	}
	for i, e := range logBefore {
		if log[i].Subject != e.Subject || log[i].Seq != e.Seq || log[i].Action != e.Action {
			t.Errorf("entry %d changed by the migration: %+v -> %+v", i+1, e, log[i])
		}
	}
	m := log[len(logBefore)]
	if m.Action != ActionStore || m.Outcome != "ok" || m.Detail != fmt.Sprintf("migrate=%d,lookups=%d", 7*len(leakPeople), len(leakPeople)) {
		t.Errorf("migration entry %+v", m)
	}
	if _, err := s.VerifyAudit(); err != nil {
		t.Error(err)
	}
	// The old handle (a program that opened the plain store before) cannot write plain values.
	if err := old.PutLookup(leakPeople[0].id, []byte("plain"), time.Time{}); !errors.Is(err, ErrLocked) {
		t.Errorf("write through a plain handle after the migration: %v, want ErrLocked", err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("Open after the migration: %v", err)
	}
}

// A store whose values do not open with the given layer is refused, and left as it was.
func TestMigrateRefusesUnopenableValues(t *testing.T) {
	dir := t.TempDir()
	m := &markSealer{}
	old, err := Open(dir, Options{Sealer: m})
	if err != nil {
		t.Fatal(err)
	}
	writePersonalData(t, old)
	if _, err := Init(dir, supervisor, supPass, testOpt()); !errors.Is(err, ErrUnsealable) {
		t.Fatalf("Init over values of another layer: %v, want ErrUnsealable", err)
	}
	again, err := Open(dir, Options{Sealer: m})
	if err != nil {
		t.Fatalf("store changed by a refused migration: %v", err)
	}
	readAll(t, again)
	// With the right layer it migrates.
	opt := testOpt()
	opt.Sealer = m
	s, err := Init(dir, supervisor, supPass, opt)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := s.ListDossiers(DossierFilter{})
	if _, _, err := s.GetDossier(list[0].Code); err != nil {
		t.Error(err)
	}
}

func TestPurgeAndCompact(t *testing.T) {
	s := newEncrypted(t)
	value := bytes.Repeat([]byte("x"), 2048)
	err := s.Update(func(tx *Tx) error {
		for i := range 800 {
			if err := tx.PutLookup(fmt.Sprintf("0010990%05d", i), value, time.Time{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	writePersonalData(t, s)
	n, err := s.PurgeLookups()
	if err != nil || n != 801 {
		t.Fatalf("PurgeLookups: %d %v", n, err)
	}
	before, after, err := s.Compact()
	if err != nil {
		t.Fatal(err)
	}
	if after >= before/2 {
		t.Errorf("file %d -> %d bytes after purge and compaction: did not shrink", before, after)
	}
	if st, _ := os.Stat(s.Path()); st.Mode().Perm() != 0o600 {
		t.Errorf("compacted file mode %v", st.Mode().Perm())
	}
	if _, err := os.Stat(s.Path() + ".compact"); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v", err)
	}
	list, _ := s.ListDossiers(DossierFilter{})
	if _, _, err := s.GetDossier(list[0].Code); err != nil {
		t.Error(err)
	}
	log, _ := s.AccessLog()
	if e := log[len(log)-1]; e.Action != ActionPurge || e.Detail != "lookups=801" {
		t.Errorf("purge not logged: %+v", e)
	}
	if _, err := s.VerifyAudit(); err != nil {
		t.Error(err)
	}
	if _, _, err := Compact(s.Dir(), testOpt()); err != nil {
		t.Errorf("package Compact: %v", err)
	}
}

// A unit of work that finds the file marked as replaced reopens the path (here the mark is
// set on the live file, so it keeps finding it and gives up with errSuperseded).
func TestSupersededFileIsNotUsed(t *testing.T) {
	s := newEncrypted(t)
	db, err := bolt.Open(s.Path(), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketMeta)).Put(metaSuperseded, []byte{1}) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	wrote := false
	err = s.Update(func(tx *Tx) error { wrote = true; return nil })
	if !errors.Is(err, errSuperseded) || wrote {
		t.Errorf("Update on a superseded file: %v (ran: %v)", err, wrote)
	}
}
