package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/internal/demo"
)

// TestStoreTooNewCLI: a data file whose format version is above the one this program knows
// (written by a newer motcua) is refused by the commands, read-only ones too, with the
// Vietnamese message to update the program and a non-zero exit; nothing is written into it.
func TestStoreTooNewCLI(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	pass := demoPassphrases(t, dir)
	path := filepath.Join(dir, "motcua.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket([]byte("meta"))
		v := m.Get([]byte("format"))
		if len(v) != 1 {
			t.Fatalf("the demo store's format version is %v", v)
		}
		return m.Put([]byte("format"), []byte{v[0] + 1}) // the next version's
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, r result) {
		t.Helper()
		if r.code == exitOK || !strings.Contains(r.stderr, "Tệp dữ liệu này do một phiên bản motcua mới hơn ghi ra") ||
			!strings.Contains(r.stderr, "Hãy cập nhật motcua lên phiên bản mới") {
			t.Errorf("want a refusal saying to update motcua:\n%s", r)
		}
		if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, before) {
			t.Errorf("the data file was written into (%v)", err)
		}
		if st, err := os.Stat(path); err != nil || !st.ModTime().Equal(old) {
			t.Errorf("the data file was modified (%v)", err)
		}
	}
	t.Run("key file, read-only command", func(t *testing.T) {
		check(t, runCLI(t, "dossier", "list", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key")))
	})
	t.Run("demo", func(t *testing.T) {
		check(t, runCLI(t, "dossier", "list", "--demo", "--data-dir", dir))
	})
	t.Run("passphrase", func(t *testing.T) {
		setenv(t, "MOTCUA_OPERATOR", demo.OperatorID)
		setenv(t, "MOTCUA_PASSPHRASE", pass[demo.OperatorID])
		check(t, runCLI(t, "--data-dir", dir, "operator", "list"))
		setenv(t, "MOTCUA_PASSPHRASE", "không phải mật khẩu") // a failed login is not recorded either
		check(t, runCLI(t, "--data-dir", dir, "operator", "list"))
	})
}
