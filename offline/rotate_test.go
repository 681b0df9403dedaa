package offline

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const laterPerson = `{"fullName":"Lê Thị Sau Thu Hồi","id":"001099000777"}`

// copyStore copies the data file aside, as someone keeping an old copy would.
func copyStore(t *testing.T, s *Store) string {
	t.Helper()
	b, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DBFileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// metaValue reads a meta value from a copy of a data file without any key.
func metaValue(t *testing.T, dir string, key []byte) []byte {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, DBFileName), 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	if err := db.View(func(tx *bolt.Tx) error { v = bytes.Clone(tx.Bucket([]byte(bucketMeta)).Get(key)); return nil }); err != nil {
		t.Fatal(err)
	}
	return v
}

func rawValue(t *testing.T, dir, bucket string, key []byte) []byte {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, DBFileName), 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	if err := db.View(func(tx *bolt.Tx) error { v = bytes.Clone(tx.Bucket([]byte(bucket)).Get(key)); return nil }); err != nil {
		t.Fatal(err)
	}
	return v
}

// putMeta writes meta values into today's file directly (someone with write access to it).
func putMeta(t *testing.T, s *Store, kv map[string][]byte) {
	t.Helper()
	rawEdit(t, s, func(_, meta *bolt.Bucket) error {
		for k, v := range kv {
			if err := meta.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// receiveLater stores a dossier received after the revocation.
func receiveLater(t *testing.T, s *Store) string {
	t.Helper()
	var code string
	err := s.Update(func(tx *Tx) (err error) {
		if code, err = tx.NextDossierCode("G22.99.08", 1, seqDay); err != nil {
			return err
		}
		return tx.PutDossier(DossierInfo{Code: code, State: "received", Service: "1.001193"}, []byte(laterPerson))
	})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// The scenario: someone keeps a key file and a copy of the store; the key file is
// revoked; a dossier is received; they put the old key-file record (and even the old key
// check value) into today's file. The new dossier does not open with the old key file, nor
// does any value of today's file; the other holders go on.
func TestRevokedKeyFileDoesNotOpenLaterData(t *testing.T) {
	s := newEncrypted(t)
	writePersonalData(t, s)
	kfDir := t.TempDir()
	revoked, kept := filepath.Join(kfDir, "thief.key"), filepath.Join(kfDir, "sync.key")
	id, err := s.ExportKeyFile(revoked, KeyRoleSync)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExportKeyFile(kept, KeyRoleSync); err != nil {
		t.Fatal(err)
	}
	oldCopy := copyStore(t, s)
	oldDossiers, _ := s.ListDossiers(DossierFilter{})
	oldSealed := rawValue(t, oldCopy, bucketDossiers, []byte(oldDossiers[0].Code))

	if err := s.RevokeKeyFile(id); err != nil {
		t.Fatal(err)
	}
	rot := s.LastRotation()
	if rot == nil || rot.Generation != 1 || rot.Resealed != 2 || rot.LookupsDropped != 1 || len(rot.KeyFiles) != 1 ||
		len(rot.Operators) != 2 || len(rot.LostOperators)+len(rot.LostKeyFiles) != 0 || !rot.AuditVerified {
		t.Errorf("rotation: %+v", rot)
	}
	code := receiveLater(t, s)

	// The old record put back: the key file opens the old key only, which today's file
	// refuses.
	oldRecord := metaValue(t, oldCopy, []byte(metaKeyFilePrefix+id))
	putMeta(t, s, map[string][]byte{metaKeyFilePrefix + id: oldRecord})
	if _, err := UnlockWithKeyFile(s.Dir(), revoked, testOpt()); !errors.Is(err, ErrUnsealable) {
		t.Fatalf("old key-file record put back: %v, want ErrUnsealable", err)
	}
	// With the old key check value too, the store "opens" under the old key, but nothing
	// written since the rotation does, the old dossier included (re-sealed).
	putMeta(t, s, map[string][]byte{string(metaKeyCheck): metaValue(t, oldCopy, metaKeyCheck), string(metaKeyGen): nil})
	thief, err := UnlockWithKeyFile(s.Dir(), revoked, testOpt())
	if err != nil {
		t.Fatalf("old record and key check put back: %v", err)
	}
	if blob, _, err := thief.GetDossier(code); !errors.Is(err, ErrUnsealable) || bytes.Contains(blob, []byte("Sau Thu Hồi")) {
		t.Errorf("the dossier received after the revocation opens with the revoked key file: %q %v", blob, err)
	}
	if _, _, err := thief.GetDossier(oldDossiers[0].Code); !errors.Is(err, ErrUnsealable) {
		t.Errorf("today's copy of an older dossier opens with the revoked key file: %v", err)
	}
	// The compaction left no value sealed under the old key in the file.
	raw, _ := os.ReadFile(s.Path())
	if bytes.Contains(raw, oldSealed) {
		t.Error("the old sealed dossier is still in the file after the rotation")
	}

	// Put right again: the remaining key file and the operators read everything.
	putMeta(t, s, map[string][]byte{string(metaKeyCheck): s.keys.check, string(metaKeyGen): u64(s.keys.gen)})
	rawEdit(t, s, func(_, meta *bolt.Bucket) error { return meta.Delete([]byte(metaKeyFilePrefix + id)) })
	k, err := UnlockWithKeyFile(s.Dir(), kept, testOpt())
	if err != nil {
		t.Fatalf("the key file that was not revoked: %v", err)
	}
	for _, st := range []*Store{k, mustUnlock(t, s.Dir(), "cb02", clerkPass)} {
		if blob, _, err := st.GetDossier(code); err != nil || string(blob) != laterPerson {
			t.Errorf("%s reads the later dossier: %q %v", st.Actor(), blob, err)
		}
		if blob, _, err := st.GetDossier(oldDossiers[0].Code); err != nil || !bytes.Contains(blob, []byte(synthName)) {
			t.Errorf("%s reads the older dossier: %v", st.Actor(), err)
		}
	}
	if _, err := k.VerifyAudit(); err != nil {
		t.Error(err)
	}
}

// Disabling an operator rotates the key too: their old record put back does not open what
// was received since.
func TestDisabledOperatorDoesNotOpenLaterData(t *testing.T) {
	s := newEncrypted(t)
	writePersonalData(t, s)
	oldCopy := copyStore(t, s)
	if err := s.DisableOperator("cb02"); err != nil {
		t.Fatal(err)
	}
	code := receiveLater(t, s)
	putMeta(t, s, map[string][]byte{string(opKey("cb02")): metaValue(t, oldCopy, opKey("cb02"))})
	if _, _, err := Unlock(s.Dir(), "cb02", clerkPass, testOpt()); !errors.Is(err, ErrUnsealable) {
		t.Fatalf("disabled operator's old record put back: %v, want ErrUnsealable", err)
	}
	putMeta(t, s, map[string][]byte{string(metaKeyCheck): metaValue(t, oldCopy, metaKeyCheck)})
	c, _, err := Unlock(s.Dir(), "cb02", clerkPass, testOpt())
	if err != nil {
		t.Fatalf("old record and key check put back: %v", err)
	}
	if _, _, err := c.GetDossier(code); !errors.Is(err, ErrUnsealable) {
		t.Errorf("the dossier received after the disabling opens with the old key: %v", err)
	}
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	for i := range 8 {
		b[7-i] = byte(n >> (8 * i))
	}
	return b
}

func mustUnlock(t *testing.T, dir, id, pass string) *Store {
	t.Helper()
	s, _, err := Unlock(dir, id, pass, testOpt())
	if err != nil {
		t.Fatalf("Unlock %s: %v", id, err)
	}
	return s
}

// makeLegacy turns an operator record into the form written before holder keys (the data key
// wrapped directly under the passphrase key), as a store made by an older motcua holds.
func makeLegacy(t *testing.T, s *Store, id, pass string) {
	t.Helper()
	err := s.Update(func(tx *Tx) error {
		rec, err := tx.operator(id)
		if err != nil {
			return err
		}
		kek := deriveKEK(pass, rec.Salt, rec.KDF)
		if rec.Wrapped, err = wrapKey(kek, s.keys.dataKey, wrapAD(s.keys.storeID, "op", id)); err != nil {
			return err
		}
		rec.Priv, rec.Pub, rec.Sealed = nil, nil, nil
		return tx.putOperatorRecord(rec)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Records written before holder keys: an unlock gives them one; one never unlocked before a
// rotation cannot be reached (reported) and needs a passphrase reset.
func TestRotationWithOldRecords(t *testing.T) {
	s := newEncrypted(t)
	tn := Operator{ID: "tn03", Name: "Tình nguyện Thử", Role: RoleVolunteer}
	const tnPass = "mật khẩu tình nguyện 03"
	if err := s.AddOperator(tn, tnPass); err != nil {
		t.Fatal(err)
	}
	makeLegacy(t, s, "cb02", clerkPass)
	makeLegacy(t, s, "tn03", tnPass)
	mustUnlock(t, s.Dir(), "cb02", clerkPass) // upgrades cb02
	err := s.View(func(tx *Tx) error {
		rec, err := tx.operator("cb02")
		if err == nil && (len(rec.Wrapped) != 0 || len(rec.Sealed) == 0) {
			t.Errorf("cb02 has no holder key after its unlock: %+v", rec)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A legacy key file record: upgraded at its unlock too.
	kf := filepath.Join(t.TempDir(), "k.key")
	kid, err := s.ExportKeyFile(kf, KeyRoleSync)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		meta, _ := tx.bucket(bucketMeta)
		var rec keyFileRecord
		if err := json.Unmarshal(meta.Get([]byte(metaKeyFilePrefix+kid)), &rec); err != nil {
			return err
		}
		var f keyFile
		b, _ := os.ReadFile(kf)
		if err := json.Unmarshal(b, &f); err != nil {
			return err
		}
		kek, _ := keyFileKEK(f.Secret, s.keys.storeID)
		rec.Wrapped, _ = wrapKey(kek, s.keys.dataKey, wrapAD(s.keys.storeID, "kf", kid))
		rec.Pub, rec.Sealed = nil, nil
		rec.MAC = s.keys.recordMAC("kf", rec.canonical())
		v, _ := json.Marshal(rec)
		return meta.Put([]byte(metaKeyFilePrefix+kid), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnlockWithKeyFile(s.Dir(), kf, testOpt()); err != nil {
		t.Fatalf("legacy key file: %v", err)
	}

	if err := s.DisableOperator("gs01"); !errors.Is(err, ErrLastSupervisor) {
		t.Fatalf("%v", err)
	}
	spare := Operator{ID: "gs09", Name: "Giám sát Phụ", Role: RoleSupervisor}
	if err := s.AddOperator(spare, supPass); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableOperator("gs09"); err != nil {
		t.Fatal(err)
	}
	rot := s.LastRotation()
	if rot == nil || strings.Join(rot.LostOperators, ",") != "tn03" || strings.Join(rot.Operators, ",") != "cb02,gs01" ||
		strings.Join(rot.KeyFiles, ",") != kid || len(rot.LostKeyFiles) != 0 {
		t.Errorf("rotation: %+v", rot)
	}
	if _, err := UnlockWithKeyFile(s.Dir(), kf, testOpt()); err != nil {
		t.Errorf("upgraded key file after the rotation: %v", err)
	}
	if _, _, err := Unlock(s.Dir(), "tn03", tnPass, testOpt()); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("operator not reached by the rotation: %v, want ErrBadPassphrase", err)
	}
	if err := s.ChangePassphrase("tn03", "mật khẩu mới cho tn03"); err != nil {
		t.Fatal(err)
	}
	mustUnlock(t, s.Dir(), "tn03", "mật khẩu mới cho tn03")
	log, _ := s.AccessLog()
	last := ""
	for _, e := range log {
		if e.Action == ActionKey {
			last = e.Detail
		}
	}
	if last != "gen=1,disable=gs09,lost=1" {
		t.Errorf("rotation audit entry %q", last)
	}
}

// What is keyed by the subject key survives a rotation: batch checkpoints still say done,
// SubjectRefs finds a person's audit entries of both generations; the look-up cache is
// emptied; the audit chain keeps its hashes; another program holding the old key is told to
// unlock again.
func TestRotationSubjectKeys(t *testing.T) {
	s := newEncrypted(t)
	writePersonalData(t, s)
	other := mustUnlock(t, s.Dir(), "cb02", clerkPass)
	before := s.SubjectRef(synthID)
	if err := s.Update(func(tx *Tx) error { return tx.MarkDone("run1", "row1", "G22.99.08-260305-0001") }); err != nil {
		t.Fatal(err)
	}
	var exported bytes.Buffer
	if err := s.View(func(tx *Tx) error { _, err := tx.ExportAudit(&exported, time.Time{}, time.Time{}); return err }); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableOperator("cb02"); err != nil {
		t.Fatal(err)
	}
	if s.SubjectRef(synthID) == before {
		t.Error("the subject key did not change with the data key")
	}
	refs, err := s.SubjectRefs(synthID)
	if err != nil || len(refs) != 2 || refs[1] != before {
		t.Errorf("SubjectRefs = %v, %v; want the new ref and %s", refs, err, before)
	}
	err = s.View(func(tx *Tx) error {
		code, done, err := tx.Done("run1", "row1")
		if err != nil || !done || code != "G22.99.08-260305-0001" {
			t.Errorf("checkpoint after the rotation: %q %v %v", code, done, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := s.GetLookup(synthID, time.Hour); ok || err != nil {
		t.Errorf("look-up cache after the rotation: %v %v, want emptied", ok, err)
	}
	var after bytes.Buffer
	if err := s.View(func(tx *Tx) error { _, err := tx.ExportAudit(&after, time.Time{}, time.Time{}); return err }); err != nil {
		t.Fatal(err)
	}
	hashes := func(b []byte) []string {
		var out []string
		for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var r AuditRecord
			if err := json.Unmarshal(l, &r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r.Hash)
		}
		return out
	}
	if h0, h1 := hashes(exported.Bytes()), hashes(after.Bytes()); len(h1) <= len(h0) || strings.Join(h1[:len(h0)], " ") != strings.Join(h0, " ") {
		t.Error("the rotation changed the hashes of earlier audit entries")
	}
	if _, err := s.VerifyAudit(); err != nil {
		t.Error(err)
	}
	_, err = other.ListDossiers(DossierFilter{})
	if !errors.Is(err, ErrKeyRotated) || !strings.Contains(ClerkMessage(err), "đăng nhập lại") {
		t.Errorf("a program holding the old key: %v (%s)", err, ClerkMessage(err))
	}
}
