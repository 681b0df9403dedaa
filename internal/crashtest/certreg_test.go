package crashtest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"motcua/internal/testenv"
	"motcua/lookups/sandbox"
	"motcua/offline"
)

// The certification register under SIGKILL. `motcua certify copies` processes (one, or two
// at once on the same store) take register numbers and are killed with SIGKILL after a
// random delay, anywhere in their life: before, during or after the unit of work that takes
// the numbers, while printing. At the end the register must hold the numbers 1, 2, ... N of
// the counter without a gap and without a number twice, every number a process reported
// must be in it with what that process asked (its own document), and the access log must
// name each number exactly once. MOTCUA_CRASH_SEED replays a run.

func TestCertRegisterKillsLeaveNoGapAndNoNumberTwice(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the crash test kills processes with SIGKILL")
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("MOTCUA_CRASH_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("MOTCUA_CRASH_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with MOTCUA_CRASH_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x51afd7ed558ccd))
	minKills, minReported, budget := 25, 10, 10*time.Minute
	if os.Getenv("MOTCUA_SOAK") != "" {
		minKills, minReported, budget = 200, 60, 40*time.Minute
	}
	h := newCertHarness(t)
	var id string
	for _, f := range sandbox.Featured() {
		if f.Kind == "single" {
			id = f.ID
		}
	}

	type asked struct {
		doc       string
		originals int
	}
	asks := map[string]asked{} // process name → what it asked
	reported := map[string]string{}
	var kills, started, finished, twice int
	maxDelay := 800 * time.Millisecond
	begin := time.Now()
	deadline := begin.Add(budget)
	for n := 0; (kills < minKills || len(reported) < minReported) && time.Now().Before(deadline); n++ {
		count := 1
		if rng.Float64() < 0.3 {
			count = 2 // two processes on the store at once
		}
		var ps []*proc
		for i := range count {
			name := fmt.Sprintf("p%d-%d", n, i)
			originals := 1 + rng.IntN(3) // numbers taken in one unit of work
			a := asked{doc: "Giấy thử " + name, originals: originals}
			asks[name] = a
			args := []string{"certify", "copies", "--json", "--id", id, "--name", "Người Thử Nghiệm"}
			for k := range originals {
				args = append(args, "--original", fmt.Sprintf("%s:%d:%d", a.doc, 1+k, 1+rng.IntN(3)))
			}
			ps = append(ps, h.start(name, args...))
			started++
		}
		killIt := kills < minKills && rng.Float64() < 0.8
		time.Sleep(time.Duration(rng.Int64N(int64(maxDelay))))
		for _, p := range ps {
			if killIt && h.kill(p) {
				kills++
				continue
			}
			h.wait(p, 60*time.Second)
			finished++
			if p.cmd.ProcessState.ExitCode() == 0 {
				maxDelay = (maxDelay*7 + p.took*12/10) / 8 // aim the kills at a process's life
			}
		}
		for _, p := range ps {
			for _, line := range strings.Split(p.out.String(), "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				var res struct {
					Items []struct {
						Number   string `json:"number"`
						Document string `json:"document"`
					} `json:"items"`
				}
				if err := json.Unmarshal([]byte(line), &res); err != nil {
					if !p.killed {
						t.Errorf("%s: output %q: %v", p.name, line, err)
					}
					continue // a killed process's line may be cut
				}
				for _, it := range res.Items {
					if other, ok := reported[it.Number]; ok {
						t.Errorf("number %s reported by %s and by %s", it.Number, other, p.name)
						twice++
					}
					reported[it.Number] = p.name
					if it.Document != asks[p.name].doc {
						t.Errorf("%s reported %s for %q, it asked %q", p.name, it.Number, it.Document, asks[p.name].doc)
					}
				}
			}
		}
		if t.Failed() {
			break
		}
	}
	for i, f := range h.fails {
		if i == 10 {
			break
		}
		t.Errorf("unexpected process failure: %s", f)
	}
	if kills < minKills || len(reported) < minReported {
		t.Errorf("only %d kills and %d numbers reported in %v (want %d and %d): the program hangs?", kills, len(reported), budget, minKills, minReported)
	}

	st, err := offline.UnlockWithKeyFile(h.dataDir, h.keyPath, offline.Options{LockWait: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var entries []offline.CertEntry
	var log []offline.AccessEntry
	if err := st.View(func(tx *offline.Tx) error {
		var err error
		if entries, err = tx.Certs(0, time.Time{}, time.Time{}); err != nil {
			return err
		}
		log, err = tx.AccessLog()
		if err != nil {
			return err
		}
		rep, err := tx.VerifyAudit()
		if err == nil && !rep.OK {
			t.Errorf("the audit chain does not verify after the kills: %+v", rep)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Info.Seq < entries[j].Info.Seq })
	docOf := map[string]string{}
	for i, e := range entries {
		if e.Info.Seq != i+1 || e.Info.Number != offline.FormatCertNumber(1, i+1) {
			t.Errorf("register entry %d is number %s (seq %d): a gap or a number twice", i+1, e.Info.Number, e.Info.Seq)
		}
		var c struct {
			Document string `json:"document"`
		}
		if err := json.Unmarshal(e.Blob, &c); err != nil {
			t.Errorf("entry %s: %v", e.Info.Number, err)
		}
		docOf[e.Info.Number] = c.Document
	}
	for number, name := range reported {
		doc, ok := docOf[number]
		switch {
		case !ok:
			t.Errorf("number %s reported by %s is not in the register", number, name)
		case doc != asks[name].doc:
			t.Errorf("number %s reported by %s holds %q in the register, not its %q", number, name, doc, asks[name].doc)
		}
	}
	logged := map[string]int{}
	for _, r := range log {
		if r.Action == offline.ActionCertify {
			logged[strings.TrimPrefix(r.Detail, "number=")]++
		}
	}
	for _, e := range entries {
		if logged[e.Info.Number] != 1 {
			t.Errorf("number %s is %d times in the access log, want once", e.Info.Number, logged[e.Info.Number])
		}
	}
	if len(logged) != len(entries) {
		t.Errorf("%d numbers in the access log, %d in the register", len(logged), len(entries))
	}
	t.Logf("kills %d; processes %d started, %d ran to the end; numbers in the register %d, reported %d; kill window at the end %v; elapsed %v",
		kills, started, finished, len(entries), len(reported), maxDelay.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
	if len(entries) == 0 {
		t.Error("no number was ever taken: the test proved nothing")
	}
}

// newCertHarness builds the program and an encrypted store unlocked by a clerk's key file;
// the gateway's address is configured (the commands need one) but nothing listens there:
// the desk asks nothing of it.
func newCertHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, dir: dir, bin: motcuaBinary(t), dataDir: filepath.Join(dir, "data"),
		keyPath: filepath.Join(dir, "store.key"), cfgPath: filepath.Join(dir, "config.toml")}
	st, err := offline.Init(h.dataDir, offline.Operator{ID: "gs01", Name: "Giám sát Thử nghiệm", Role: offline.RoleSupervisor},
		"mật khẩu thử nghiệm đủ dài", offline.Options{KDF: offline.KDFParams{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExportKeyFile(h.keyPath, offline.KeyRoleClerk); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`counter = 1
data_dir = %q
key_file = %q

[agency]
code = %q
parent = "UBND PHƯỜNG THỬ NGHIỆM"
name = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
place = "Phường Thử Nghiệm"

[gateway]
url = "http://127.0.0.1:1"

[limits]
lock_wait = "30s"
`, h.dataDir, h.keyPath, agency)
	if err := os.WriteFile(h.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOTCUA_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") {
			h.env = append(h.env, kv)
		}
	}
	h.env = testenv.NoExitSleep(append(h.env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg-config"), "XDG_DATA_HOME="+filepath.Join(dir, "xdg-data")))
	return h
}
