package app

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// The receipts folder of the data directory is 0700: made so, and taken back to it when a
// person or an older version opened it to other local users.
func TestPrivateDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are ACLs on Windows")
	}
	base := t.TempDir()
	fresh := filepath.Join(base, "a", "receipts")
	shared := filepath.Join(base, "receipts")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o775); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{fresh, shared} {
		if err := PrivateDir(dir); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want 0700", dir, st.Mode().Perm())
		}
	}
}
