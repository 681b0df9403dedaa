package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/forms/fees"
	"motcua/internal/config"
	"motcua/offline"
)

// The ward's fee file (fees, MOTCUA_FEES) is the one the counter charges from; a broken one
// is refused with ErrFees.
func TestWardFeeFile(t *testing.T) {
	dir := t.TempDir()
	st, err := offline.Init(dir, offline.Operator{ID: "gs01", Name: "Giám sát", Role: offline.RoleSupervisor}, "mật khẩu thử nghiệm đủ dài",
		offline.Options{KDF: offline.KDFParams{Time: 1, MemoryKiB: 256, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(t.TempDir(), "k.key")
	if _, err := st.ExportKeyFile(key, offline.KeyRoleClerk); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "phi.toml")
	ward := strings.Replace(string(fees.DefaultFile()), "rate = 2000", "rate = 3000", 1) // the copy fee's first tier
	if err := os.WriteFile(file, []byte(ward), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.Gateway.URL, cfg.Agency.Code, cfg.Counter, cfg.Fees = dir, "http://127.0.0.1:1", "T.01", 1, file
	a, err := Open(cfg, Options{Credentials: Credentials{KeyFile: key}})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := a.Service.CopyFee(2); !ok || got != 6000 {
		t.Errorf("a 2-page copy costs %d (%v) with the ward's file, want 6000", got, ok)
	}
	if st, err := os.Stat(filepath.Join(dir, "exports")); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("exports folder: %v %v", st, err)
	}
	if err := os.WriteFile(file, []byte("[[schedule]]\nid = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(cfg, Options{Credentials: Credentials{KeyFile: key}}); !errors.Is(err, ErrFees) {
		t.Errorf("a broken fee file: %v, want ErrFees", err)
	}
}
