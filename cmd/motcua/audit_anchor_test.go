package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/lookups/sandbox"
	"motcua/offline"
)

// `audit verify` catches an audit log rolled back to an earlier copy of the data directory
// (access log, head and local anchor file copied back): the head sent upstream with a sync is
// no longer in the log. The clerk reads it in Vietnamese; `queue sync` warns too.
func TestAuditVerifyCatchesRollback(t *testing.T) {
	t.Parallel()
	isolate(t)
	useKDF(t, cheapKDF)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	srv := sandbox.NewServer(sandbox.New(3, 200), sandbox.Options{})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("counter = 2\n[agency]\ncode = \"G01.00004\"\nparent = \"UBND PHƯỜNG THỬ\"\n[gateway]\nurl = %q\n", url)), 0o600); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) result {
		t.Helper()
		return runCLI(t, append([]string{"--config", cfg, "--data-dir", data}, args...)...)
	}
	const pass = "mật khẩu giám sát thử"
	setenv(t, "MOTCUA_NEW_PASSPHRASE", pass)
	if r := cli("operator", "init", "gs01", "--name", "Giám sát Thử"); r.code != 0 {
		t.Fatalf("operator init: %s", r)
	}
	setenv(t, "MOTCUA_OPERATOR", "gs01")
	setenv(t, "MOTCUA_PASSPHRASE", pass)
	if r := cli("queue", "sync"); r.code != 0 {
		t.Fatalf("queue sync: %s", r)
	}
	dbPath := filepath.Join(data, offline.DBFileName)
	oldDB, _ := os.ReadFile(dbPath)
	oldAnchor, _ := os.ReadFile(filepath.Join(data, offline.AnchorFileName))

	// More entries (two exports), anchored by the next sync.
	for i := range 2 {
		if r := cli("audit", "export", "--out", filepath.Join(dir, fmt.Sprintf("export%d.jsonl", i))); r.code != 0 {
			t.Fatalf("audit export: %s", r)
		}
	}
	if r := cli("queue", "sync"); r.code != 0 {
		t.Fatalf("queue sync: %s", r)
	}
	if r := cli("audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, "Khớp mốc nhật ký đã gửi lên cổng dữ liệu") {
		t.Fatalf("audit verify before the rollback: %s", r)
	}

	// The audit log of the earlier copy put back (its bucket and head), and its anchor file.
	rollBack(t, dbPath, oldDB)
	if err := os.WriteFile(filepath.Join(data, offline.AnchorFileName), oldAnchor, 0o600); err != nil {
		t.Fatal(err)
	}
	r := cli("audit", "verify")
	if r.code != 1 || !strings.Contains(r.stderr, "Nhật ký truy cập KHÔNG toàn vẹn: đã bị đưa về một bản cũ. Mục số ") ||
		!strings.Contains(r.stderr, "đã được xác nhận với cổng dữ liệu") {
		t.Errorf("audit verify after the rollback: %s", r)
	}
	if r := cli("queue", "sync"); !strings.Contains(r.stderr, "CẢNH BÁO: Nhật ký truy cập đã bị đưa về một bản cũ") {
		t.Errorf("queue sync after the rollback: %s", r)
	}
}

// rollBack replaces the access log and its head in the file at path with those of an earlier
// copy of the file (old).
func rollBack(t *testing.T, path string, old []byte) {
	t.Helper()
	oldPath := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(oldPath, old, 0o600); err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	var head []byte
	odb, err := bolt.Open(oldPath, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := odb.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("access_log")).ForEach(func(k, v []byte) error { entries[string(k)] = bytes.Clone(v); return nil }); err != nil {
			return err
		}
		head = bytes.Clone(tx.Bucket([]byte("meta")).Get([]byte("audit_head")))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	odb.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("access_log")); err != nil {
			return err
		}
		b, err := tx.CreateBucket([]byte("access_log"))
		if err != nil {
			return err
		}
		for k, v := range entries {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("audit_head"), head)
	})
	if err != nil {
		t.Fatal(err)
	}
}
