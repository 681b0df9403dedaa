package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"motcua/offline"
)

// A batch run killed with SIGKILL in the middle, then run again on the same
// file, leaves exactly one dossier per row.
func TestBatchRunKilledAndResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the program several times")
	}
	isolate(t)
	dir := t.TempDir()
	id := featuredID(t, "single")
	const rows = 24
	var in bytes.Buffer
	in.WriteString("subject.id,purpose,purpose_other\n")
	for j := range rows {
		fmt.Fprintf(&in, "%s,other,Hồ sơ tồn đọng số %d\n", id, j)
	}
	csvPath := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(csvPath, in.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"batch", "run", "--demo", "--data-dir", dir, "--service", "xac-nhan-tthn", "--in", csvPath}
	count := func() int {
		out, _, code := motcua(t, "dossier", "list", "--demo", "--data-dir", dir, "--json")
		if code != 0 {
			t.Fatalf("dossier list: exit %d", code)
		}
		var list []offline.DossierInfo
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	motcua(t, "dossier", "list", "--demo", "--data-dir", dir) // create the demo store first

	kills := 0
	for attempt := 0; attempt < 3; attempt++ {
		before := count()
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), asBinary+"=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// kill once some dossiers of this run are saved (or after a while)
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) && count() < before+3 {
			time.Sleep(30 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL) // the run may have ended on its own: count() says
		_ = cmd.Wait()                          // "signal: killed", or the exit of a run that ended first
		kills++
		if count() >= rows {
			break
		}
	}
	_, errOut, code := motcua(t, args...)
	if code != exitOK {
		t.Fatalf("the resumed run: exit %d: %s", code, errOut)
	}
	if n := count(); n != rows {
		t.Fatalf("%d dossiers for %d rows after %d kills and a resume", n, rows, kills)
	}
	// and once more: nothing new
	motcua(t, args...)
	if n := count(); n != rows {
		t.Fatalf("%d dossiers after a further run, want %d", n, rows)
	}
	t.Logf("%d SIGKILLs, then a resume: %d dossiers for %d rows", kills, rows, rows)
}
