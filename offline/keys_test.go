package offline

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// testKDF is a cheap argon2id cost for tests; BenchmarkUnlockDefaultKDF measures DefaultKDF.
var testKDF = KDFParams{Time: 1, MemoryKiB: 256, Threads: 1}

const (
	supPass   = "mật khẩu giám sát 01"
	clerkPass = "mật khẩu cán bộ 02"
)

var (
	supervisor = Operator{ID: "gs01", Name: "Giám sát Thử", Role: RoleSupervisor}
	clerk      = Operator{ID: "cb02", Name: "Cán bộ Thử", Role: RoleClerk}
)

func testOpt() Options { return Options{KDF: testKDF, LockWait: 20 * time.Second} }

// newEncrypted makes an encrypted store with a supervisor and a clerk.
func newEncrypted(t testing.TB) *Store {
	t.Helper()
	s, err := Init(t.TempDir(), supervisor, supPass, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddOperator(clerk, clerkPass); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAESGCMSealer(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	sl, err := AESGCM(key)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := AESGCM(bytes.Repeat([]byte{7}, 32))
	plain := []byte(synthName)
	a, err := sl.Seal("dossiers", []byte("k1"), plain)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sl.Seal("dossiers", []byte("k1"), plain)
	if a[0] != FrameAESGCM || len(a) != 1+12+len(plain)+16 {
		t.Fatalf("sealed value %x: want frame 0x01, nonce, ciphertext, tag", a)
	}
	if bytes.Equal(a, b) {
		t.Error("two seals of the same value are equal: nonce not random")
	}
	if bytes.Contains(a, plain) {
		t.Error("sealed value holds the plain text")
	}
	got, err := sl.Open("dossiers", []byte("k1"), bytes.Clone(a))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	flipped := bytes.Clone(a)
	flipped[20] ^= 1
	for name, c := range map[string]struct {
		s      Sealer
		bucket string
		key    string
		v      []byte
	}{
		"other record":  {sl, "dossiers", "k2", a},
		"other bucket":  {sl, "receipts", "k1", a},
		"wrong key":     {other, "dossiers", "k1", a},
		"changed byte":  {sl, "dossiers", "k1", flipped},
		"truncated":     {sl, "dossiers", "k1", a[:20]},
		"plain frame":   {sl, "dossiers", "k1", append([]byte{FramePlain}, plain...)},
		"empty":         {sl, "dossiers", "k1", nil},
		"passthrough":   {PassThrough(), "dossiers", "k1", a},
		"frame changed": {sl, "dossiers", "k1", append([]byte{0x02}, a[1:]...)},
	} {
		if _, err := c.s.Open(c.bucket, []byte(c.key), bytes.Clone(c.v)); !errors.Is(err, ErrUnsealable) {
			t.Errorf("%s: Open gave %v, want ErrUnsealable", name, err)
		}
	}
	if _, err := AESGCM(key[:16]); err == nil {
		t.Error("AESGCM accepted a 128-bit key")
	}
}

func TestKDFParamsBounds(t *testing.T) {
	for _, p := range []KDFParams{{}, {Time: 1, MemoryKiB: 4, Threads: 1}, {Time: 99, MemoryKiB: 1024, Threads: 1}, {Time: 1, MemoryKiB: 2 << 20, Threads: 1}} {
		if p.check() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	for _, p := range []KDFParams{DefaultKDF, testKDF} {
		if err := p.check(); err != nil {
			t.Error(err)
		}
	}
}

func TestOperatorsAndPassphrases(t *testing.T) {
	s := newEncrypted(t)
	dir := s.Dir()
	writePersonalData(t, s)

	// Wrong passphrase, unknown ID and a malformed ID: the same error.
	for _, c := range []struct{ id, pass string }{{"gs01", "sai mật khẩu rồi"}, {"nobody", supPass}, {"../x", supPass}, {"cb02", supPass}} {
		if _, _, err := Unlock(dir, c.id, c.pass, testOpt()); !errors.Is(err, ErrBadPassphrase) {
			t.Errorf("Unlock(%s): %v, want ErrBadPassphrase", c.id, err)
		}
	}
	// The next operator reads everything the first one wrote.
	s2, op, err := Unlock(dir, "cb02", clerkPass, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	if op.Role != RoleClerk || op.Name != "Cán bộ Thử" || s2.Actor() != "cb02" || !s2.Encrypted() {
		t.Errorf("unlocked as %+v, actor %q", op, s2.Actor())
	}
	readAll(t, s2)
	if !bytes.Equal(s.SubjectKey(synthID), s2.SubjectKey(synthID)) {
		t.Error("two operators derive different subject keys")
	}
	// The passphrase is compared in NFC: a decomposing keyboard gives the same key.
	if _, _, err := Unlock(dir, "cb02", norm.NFD.String(clerkPass), testOpt()); err != nil {
		t.Errorf("NFD passphrase: %v", err)
	}
	if _, err := s2.CheckPassphrase("gs01", supPass); err != nil {
		t.Errorf("CheckPassphrase: %v", err)
	}
	if _, err := s2.CheckPassphrase("gs01", clerkPass); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("CheckPassphrase with the wrong passphrase: %v", err)
	}

	// An encrypted store does not open without a key.
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("Open of an encrypted store: %v, want ErrLocked", err)
	}
	if _, err := Init(dir, supervisor, supPass, testOpt()); !errors.Is(err, ErrAlreadyInitialized) {
		t.Errorf("second Init: %v", err)
	}

	// Management.
	if err := s.AddOperator(Operator{ID: "cb02", Name: "X", Role: RoleClerk}, clerkPass); !errors.Is(err, ErrOperatorExists) {
		t.Errorf("duplicate AddOperator: %v", err)
	}
	if err := s.AddOperator(Operator{ID: "tn03", Name: "Tình nguyện", Role: RoleVolunteer}, "ngắn"); !errors.Is(err, ErrWeakPassphrase) {
		t.Errorf("short passphrase: %v", err)
	}
	for _, bad := range []Operator{{ID: "a b", Name: "x", Role: RoleClerk}, {ID: "ok", Name: " ", Role: RoleClerk}, {ID: "ok", Name: "x", Role: "admin"}} {
		if err := s.AddOperator(bad, clerkPass); !errors.Is(err, ErrInvalidOperator) {
			t.Errorf("AddOperator(%+v): %v", bad, err)
		}
	}
	if err := s.DisableOperator("gs01"); !errors.Is(err, ErrLastSupervisor) {
		t.Errorf("disabling the last supervisor: %v", err)
	}
	if err := s.DisableOperator("cb02"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Unlock(dir, "cb02", clerkPass, testOpt()); !errors.Is(err, ErrOperatorDisabled) {
		t.Errorf("disabled operator: %v, want ErrOperatorDisabled", err)
	}
	if err := s.ChangePassphrase("cb02", "mật khẩu mới 123"); !errors.Is(err, ErrOperatorDisabled) {
		t.Errorf("ChangePassphrase of a disabled operator: %v", err)
	}
	if err := s.EnableOperator("cb02", "mật khẩu mới 123"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Unlock(dir, "cb02", clerkPass, testOpt()); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("old passphrase after re-enable: %v", err)
	}
	if err := s.ChangePassphrase("gs01", "giám sát đổi mật khẩu"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Unlock(dir, "gs01", supPass, testOpt()); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("old passphrase after change: %v", err)
	}
	s3, _, err := Unlock(dir, "gs01", "giám sát đổi mật khẩu", testOpt())
	if err != nil {
		t.Fatal(err)
	}
	ops, err := s3.Operators()
	if err != nil || len(ops) != 2 || ops[0].ID != "cb02" || ops[0].Disabled || ops[1].Role != RoleSupervisor {
		t.Errorf("Operators = %+v, %v", ops, err)
	}
	if err := s.ChangePassphrase("ghost", "mật khẩu mới 123"); !errors.Is(err, ErrNoOperator) {
		t.Errorf("ChangePassphrase of an unknown operator: %v", err)
	}
	// Every management step is in the audit chain.
	log, err := s3.AccessLog()
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, e := range log {
		if e.Purpose == PurposeAdmin && e.Action != ActionLogin { // failed logins: TestLoginBackoff
			details = append(details, e.Operator+":"+e.Action+":"+e.Detail)
		}
	}
	want := "gs01:store:init gs01:operator:add=gs01 gs01:operator:add=cb02 gs01:operator:disable=cb02 gs01:key_rotation:gen=1,disable=cb02 gs01:operator:enable=cb02 gs01:operator:passphrase=gs01"
	if got := strings.Join(details, " "); got != want {
		t.Errorf("admin entries:\n got %s\nwant %s", got, want)
	}
	if _, err := s3.VerifyAudit(); err != nil {
		t.Error(err)
	}
}

// readAll reads back what writePersonalData stored.
func readAll(t *testing.T, s *Store) {
	t.Helper()
	v, _, ok, err := s.GetLookup(synthID, time.Hour)
	if err != nil || !ok || !bytes.Contains(v, []byte(synthName)) {
		t.Fatalf("GetLookup: %q %v %v", v, ok, err)
	}
	list, err := s.ListDossiers(DossierFilter{})
	if err != nil || len(list) == 0 {
		t.Fatalf("ListDossiers: %v %v", list, err)
	}
	blob, _, err := s.GetDossier(list[0].Code)
	if err != nil || !bytes.Contains(blob, []byte(synthID)) {
		t.Fatalf("GetDossier: %q %v", blob, err)
	}
	if pdf, err := s.GetReceipt(list[0].Code); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("GetReceipt: %q %v", pdf, err)
	}
}

func TestUnlockErrors(t *testing.T) {
	empty := t.TempDir()
	if _, _, err := Unlock(empty, "gs01", supPass, testOpt()); !errors.Is(err, ErrNoStore) {
		t.Errorf("Unlock of an empty directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, DBFileName)); err == nil {
		t.Error("Unlock created a data file")
	}
	plain, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Unlock(plain.Dir(), "gs01", supPass, testOpt()); !errors.Is(err, ErrNotEncrypted) {
		t.Errorf("Unlock of an unencrypted store: %v", err)
	}
	if err := plain.AddOperator(clerk, clerkPass); !errors.Is(err, ErrNotEncrypted) {
		t.Errorf("AddOperator on an unencrypted store: %v", err)
	}
	if _, err := Init(t.TempDir(), clerk, clerkPass, testOpt()); !errors.Is(err, ErrInvalidOperator) {
		t.Errorf("Init with a clerk: %v", err)
	}
	if _, err := Init(t.TempDir(), supervisor, "short", testOpt()); !errors.Is(err, ErrWeakPassphrase) {
		t.Errorf("Init with a short passphrase: %v", err)
	}
}

// An operator record edited in the file (a clerk made supervisor, a disabled flag cleared)
// does not unlock: the record's MAC needs the data key.
func TestOperatorRecordTamper(t *testing.T) {
	s := newEncrypted(t)
	err := s.Update(func(tx *Tx) error {
		meta := tx.tx.Bucket([]byte(bucketMeta))
		v := bytes.Replace(meta.Get(opKey("cb02")), []byte(`"role":"clerk"`), []byte(`"role":"supervisor"`), 1)
		return meta.Put(opKey("cb02"), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Unlock(s.Dir(), "cb02", clerkPass, testOpt()); !errors.Is(err, ErrUnsealable) {
		t.Errorf("Unlock with an escalated role: %v, want ErrUnsealable", err)
	}
	if _, err := s.Operators(); !errors.Is(err, ErrUnsealable) {
		t.Errorf("Operators with a changed record: %v", err)
	}
}

func TestKeyFile(t *testing.T) {
	s := newEncrypted(t)
	writePersonalData(t, s)
	path := filepath.Join(t.TempDir(), "motcua.key")
	id, err := s.ExportKeyFile(path, KeyRoleSync)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
	if _, err := s.ExportKeyFile(path, KeyRoleSync); err == nil {
		t.Error("ExportKeyFile overwrote an existing file")
	}
	k, err := UnlockWithKeyFile(s.Dir(), path, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	if k.Actor() != "keyfile:"+id {
		t.Errorf("actor %q", k.Actor())
	}
	readAll(t, k)
	if list, err := k.KeyFiles(); err != nil || len(list) != 1 || list[0].ID != id || list[0].CreatedBy != "gs01" || list[0].Role != KeyRoleSync {
		t.Errorf("KeyFiles = %+v, %v", list, err)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := UnlockWithKeyFile(s.Dir(), path, testOpt()); !errors.Is(err, ErrKeyFileMode) {
		t.Errorf("world-readable key file: %v, want ErrKeyFileMode", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}

	other := newEncrypted(t)
	if _, err := UnlockWithKeyFile(other.Dir(), path, testOpt()); !errors.Is(err, ErrBadKeyFile) {
		t.Errorf("key file of another store: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.key")
	if err := os.WriteFile(junk, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := UnlockWithKeyFile(s.Dir(), junk, testOpt()); !errors.Is(err, ErrBadKeyFile) {
		t.Errorf("junk key file: %v", err)
	}
	if err := k.RevokeKeyFile(id); err != nil {
		t.Fatal(err)
	}
	if _, err := UnlockWithKeyFile(s.Dir(), path, testOpt()); !errors.Is(err, ErrBadKeyFile) {
		t.Errorf("revoked key file: %v", err)
	}
	if err := k.RevokeKeyFile(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
}

func TestInitRace(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = Init(dir, supervisor, supPass, testOpt()) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrAlreadyInitialized):
			t.Error(err)
		}
	}
	if ok != 1 {
		t.Errorf("%d Init calls succeeded on one directory, want 1", ok)
	}
	if _, _, err := Unlock(dir, "gs01", supPass, testOpt()); err != nil {
		t.Error(err)
	}
}

// Two processes unlock the same store as two operators and write at the same time: every
// dossier is readable by either, codes are unique, and the audit chain holds.
func TestTwoProcessesUnlockTheSameStore(t *testing.T) {
	s := newEncrypted(t)
	const n = 15
	a := startHelper(t, "unlock", s.Dir(), helperNEnv+"="+fmt.Sprint(n), helperOpEnv+"=gs01", helperPassEnv+"="+supPass)
	b := startHelper(t, "unlock", s.Dir(), helperNEnv+"="+fmt.Sprint(n), helperOpEnv+"=cb02", helperPassEnv+"="+clerkPass)
	codes := append(a.finish(t), b.finish(t)...)
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] {
			t.Errorf("code %s given twice", c)
		}
		seen[c] = true
		if _, _, err := s.GetDossier(c); err != nil {
			t.Errorf("dossier %s: %v", c, err)
		}
	}
	if len(seen) != 2*n {
		t.Errorf("%d codes, want %d", len(seen), 2*n)
	}
	rep, err := s.VerifyAudit()
	if err != nil || rep.Entries != 3+2*n {
		t.Errorf("audit after two writers: %+v %v", rep, err)
	}
}

// A key file's role is chosen when it is made, unlocks with it, and cannot be changed in the
// file: the role is inside the record's MAC. A record made before roles existed has the
// sync-and-reception role.
func TestKeyFileRole(t *testing.T) {
	s := newEncrypted(t)
	if h := s.Holder(); h.Operator.ID != "gs01" || h.Operator.Role != RoleSupervisor || h.KeyFile != "" {
		t.Errorf("Init holder = %+v", h)
	}
	if c, _, err := Unlock(s.Dir(), "cb02", clerkPass, testOpt()); err != nil || c.Holder().Operator.Role != RoleClerk {
		t.Errorf("Unlock holder: %v %+v", err, c.Holder())
	}
	if _, err := s.ExportKeyFile(filepath.Join(t.TempDir(), "x.key"), RoleSupervisor); !errors.Is(err, ErrInvalidOperator) {
		t.Errorf("a supervisor key file: %v, want ErrInvalidOperator", err)
	}
	if _, err := s.ExportKeyFile(filepath.Join(t.TempDir(), "x.key"), ""); !errors.Is(err, ErrInvalidOperator) {
		t.Errorf("a key file without a role: %v, want ErrInvalidOperator", err)
	}
	paths := map[string]string{}
	ids := map[string]string{}
	for _, r := range KeyRoles {
		paths[r] = filepath.Join(t.TempDir(), "k.key")
		id, err := s.ExportKeyFile(paths[r], r)
		if err != nil {
			t.Fatal(err)
		}
		ids[r] = id
		k, err := UnlockWithKeyFile(s.Dir(), paths[r], testOpt())
		if err != nil {
			t.Fatal(err)
		}
		if h := k.Holder(); h.KeyFile != id || h.KeyRole != r || h.Operator.ID != "" {
			t.Errorf("role %s: holder %+v", r, h)
		}
	}

	// an edited role does not unlock
	edit := func(id string, f func(v []byte) []byte) {
		t.Helper()
		if err := s.Update(func(tx *Tx) error {
			meta := tx.tx.Bucket([]byte(bucketMeta))
			return meta.Put([]byte(metaKeyFilePrefix+id), f(meta.Get([]byte(metaKeyFilePrefix+id))))
		}); err != nil {
			t.Fatal(err)
		}
	}
	edit(ids[KeyRoleSync], func(v []byte) []byte {
		return bytes.Replace(v, []byte(`"role":"sync"`), []byte(`"role":"clerk"`), 1)
	})
	if _, err := UnlockWithKeyFile(s.Dir(), paths[KeyRoleSync], testOpt()); !errors.Is(err, ErrUnsealable) {
		t.Errorf("a sync key file edited to clerk: %v, want ErrUnsealable", err)
	}
	// removing the role (to get the older default) does not unlock either
	edit(ids[KeyRoleReception], func(v []byte) []byte {
		return bytes.Replace(v, []byte(`,"role":"reception"`), nil, 1)
	})
	if _, err := UnlockWithKeyFile(s.Dir(), paths[KeyRoleReception], testOpt()); !errors.Is(err, ErrUnsealable) {
		t.Errorf("a reception key file with its role removed: %v, want ErrUnsealable", err)
	}

	// a record written before roles existed: no role field, authenticated as it was then
	legacy := filepath.Join(t.TempDir(), "old.key")
	id, err := s.ExportKeyFile(legacy, KeyRoleClerk)
	if err != nil {
		t.Fatal(err)
	}
	edit(id, func(v []byte) []byte {
		var rec keyFileRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			t.Fatal(err)
		}
		rec.Role = ""
		rec.MAC = s.keys.recordMAC("kf", rec.canonical())
		out, _ := json.Marshal(rec)
		if bytes.Contains(out, []byte(`"role"`)) {
			t.Fatalf("a record without a role still names one: %s", out)
		}
		return out
	})
	k, err := UnlockWithKeyFile(s.Dir(), legacy, testOpt())
	if err != nil {
		t.Fatal(err)
	}
	if h := k.Holder(); h.KeyRole != KeyRoleSyncReception {
		t.Errorf("a key file made before roles: role %q, want %q", h.KeyRole, KeyRoleSyncReception)
	}
}
