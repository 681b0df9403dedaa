package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"motcua/internal/batch"
	"motcua/offline"
)

// A batch run killed with SIGKILL again and again, then run again on the same file, leaves
// exactly one dossier per row, each with its receipt kept. The run works in groups of 8
// rows; it is killed inside a group's unit of work (after some of the group's rows are
// written, before the commit: none of the group may stay), then right after a group's
// commit (before it is sent, its receipts kept and its rows reported: all of the group
// stays, and the rerun keeps its receipts), then at random moments from outside.
func TestBatchRunKilledAndResumed(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the program several times")
	}
	isolate(t)
	dir := demoStore(t)
	id := featuredID(t, "single")
	const rows, group = 60, 8
	var in bytes.Buffer
	in.WriteString("subject.id,purpose,purpose_other\n")
	for j := range rows {
		fmt.Fprintf(&in, "%s,other,Hồ sơ tồn đọng số %d\n", id, j)
	}
	csvPath := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(csvPath, in.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"batch", "run", "--demo", "--data-dir", dir, "--service", "xac-nhan-tthn", "--in", csvPath, "--json"}
	list := func() []offline.DossierInfo {
		out, _, code := motcua(t, "dossier", "list", "--demo", "--data-dir", dir, "--json")
		if code != 0 {
			t.Fatalf("dossier list: exit %d", code)
		}
		var l []offline.DossierInfo
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	count := func() int { return len(list()) }
	start := func(env ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = environ(t, append(env, asBinary+"=1", fmt.Sprintf("%s=%d", batchGroupEnv, group))...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	killed := func(cmd *exec.Cmd) bool {
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return false
		}
		ws, ok := ee.Sys().(syscall.WaitStatus)
		return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
	}

	// Killed inside the second group's unit of work, after its fourth row (line 1 is the
	// header: rows 9..16 are lines 10..17): the first group stays, nothing of the second.
	if !killed(start(fmt.Sprintf("%s=%d", batchKillInTxEnv, 13))) {
		t.Fatal("the run was not killed inside its group")
	}
	if n := count(); n != group {
		t.Fatalf("killed inside the second group: %d dossiers, want %d (the first group only)", n, group)
	}
	// Killed right after its second commit: the first run's group and these two stay.
	if !killed(start(fmt.Sprintf("%s=%d", batchKillCommitEnv, 2))) {
		t.Fatal("the run was not killed after its commit")
	}
	if n := count(); n != 3*group {
		t.Fatalf("killed after a commit: %d dossiers, want %d", n, 3*group)
	}
	// that group was neither sent nor its receipts kept
	noReceipt := 0
	s := openDemoStore(t, dir)
	for _, d := range list() {
		if _, err := s.GetReceipt(d.Code); errors.Is(err, offline.ErrNotFound) {
			noReceipt++
		}
	}
	if noReceipt != group {
		t.Fatalf("killed after a commit: %d dossiers without a receipt, want the group's %d", noReceipt, group)
	}
	// Killed from outside, once more dossiers are saved (or after a while). The store is
	// watched in this process: a `dossier list` every 30 ms would be a program started
	// every 30 ms beside the run.
	watch, err := offline.UnlockWithKeyFile(dir, filepath.Join(dir, "demo.key"), offline.Options{LockWait: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	saved := func() int {
		l, err := watch.ListDossiers(offline.DossierFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	kills := 2
	for attempt := 0; attempt < 3 && count() < rows; attempt++ {
		before := count()
		cmd := start()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) && saved() < before+group {
			time.Sleep(30 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL) // the run may have ended on its own: count() says
		_ = cmd.Wait()                          // "signal: killed", or the exit of a run that ended first
		kills++
	}
	out, errOut, code := motcua(t, args...)
	if code != exitOK {
		t.Fatalf("the resumed run: exit %d: %s", code, errOut)
	}
	var sum batch.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Rows != rows || sum.Received+sum.Skipped != rows || sum.Failed != 0 {
		t.Errorf("the resumed run: %+v", sum)
	}
	l := list()
	if len(l) != rows {
		t.Fatalf("%d dossiers for %d rows after %d kills and a resume", len(l), rows, kills)
	}
	// every dossier has its receipt kept, those of the group killed after its commit too
	for _, d := range l {
		if _, err := s.GetReceipt(d.Code); err != nil {
			t.Errorf("dossier %s: no receipt kept: %v", d.Code, err)
		}
	}
	// and once more: nothing new
	motcua(t, args...)
	if n := count(); n != rows {
		t.Fatalf("%d dossiers after a further run, want %d", n, rows)
	}
	t.Logf("%d SIGKILLs (one inside a group, one after a commit), then a resume: %d dossiers for %d rows", kills, rows, rows)
}
