package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Wrong passphrases through MOTCUA_PASSPHRASE, each command its own process as far as the
// store is concerned: after the free tries the CLI says, in Vietnamese, how long to wait, and
// the right passphrase is refused while the wait runs.
func TestLoginBackoffCLI(t *testing.T) {
	t.Parallel()
	isolate(t)
	useKDF(t, cheapKDF) // operator init's: every log-in below derives with it
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "empty.toml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const pass = "mật khẩu giám sát thử"
	setenv(t, "MOTCUA_NEW_PASSPHRASE", pass)
	if r := runCLI(t, "--config", cfg, "--data-dir", data, "operator", "init", "gs01", "--name", "Giám sát Thử"); r.code != 0 {
		t.Fatalf("operator init: %s", r)
	}
	setenv(t, "MOTCUA_OPERATOR", "gs01")
	setenv(t, "MOTCUA_PASSPHRASE", "không phải mật khẩu")
	for i := 1; i <= 5; i++ {
		r := runCLI(t, "--config", cfg, "--data-dir", data, "operator", "list")
		want := "Sai mã cán bộ hoặc mật khẩu. Hãy nhập lại."
		if i == 5 {
			want = "Sai mã cán bộ hoặc mật khẩu, đã sai nhiều lần liên tiếp. Hãy đợi 30 giây rồi nhập lại."
		}
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Fatalf("wrong passphrase %d: %s\nwant %q", i, r, want)
		}
	}
	setenv(t, "MOTCUA_PASSPHRASE", pass)
	r := runCLI(t, "--config", cfg, "--data-dir", data, "operator", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "Đã nhập sai mật khẩu nhiều lần liên tiếp. Hãy đợi ") ||
		!strings.Contains(r.stderr, "giây rồi thử lại.") {
		t.Errorf("right passphrase during the wait: %s", r)
	}
}

// Revoking a key file from the CLI rotates the data key and says so; the revoked file no
// longer opens the store.
func TestRevokeKeyFileCLI(t *testing.T) {
	t.Parallel()
	isolate(t)
	useKDF(t, cheapKDF)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "empty.toml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	setenv(t, "MOTCUA_NEW_PASSPHRASE", "mật khẩu giám sát thử")
	cli := func(args ...string) result {
		return runCLI(t, append([]string{"--config", cfg, "--data-dir", data}, args...)...)
	}
	if r := cli("operator", "init", "gs01", "--name", "Giám sát Thử"); r.code != 0 {
		t.Fatalf("operator init: %s", r)
	}
	setenv(t, "MOTCUA_OPERATOR", "gs01")
	setenv(t, "MOTCUA_PASSPHRASE", "mật khẩu giám sát thử")
	key := filepath.Join(dir, "sync.key")
	r := cli("operator", "keyfile", key, "--role", "sync")
	if r.code != 0 {
		t.Fatalf("operator keyfile: %s", r)
	}
	id := strings.Fields(strings.SplitAfter(r.stdout, "(mã ")[1])[0]
	id = strings.TrimRight(id, ").,") // "(mã ID, quyền sync)."
	if r := cli("operator", "revoke-keyfile", id); r.code != 0 || !strings.Contains(r.stdout, "Đã đổi khóa dữ liệu (lần 1)") {
		t.Fatalf("revoke-keyfile: %s", r)
	}
	if r := cli("--key-file", key, "dossier", "list"); r.code != 1 || !strings.Contains(r.stderr, "Tệp khóa không mở được kho này") {
		t.Errorf("revoked key file: %s", r)
	}
}
