package crashtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"motcua/internal/testenv"
	"motcua/lookups/sandbox"
	"motcua/offline"
)

// The crash test. A real sandbox gateway runs as its own process with its
// dossiers in a file (`motcua sandbox serve --store`); a loop starts
// `motcua dossier submit` and `motcua queue sync` processes on one encrypted
// store (unlocked with a key file), alone or two at once, and kills them with
// SIGKILL after a random delay; the sandbox itself is killed and restarted
// twice. At the end the queue is drained and every dossier the clerk was told
// is received (its code printed) must be upstream exactly once, under its
// own idempotency key. MOTCUA_CRASH_SEED replays a run; MOTCUA_SOAK asks for
// at least 200 kills instead of 30.

const agency = "CRASH.01"

var codeLine = regexp.MustCompile(`^` + regexp.QuoteMeta(agency) + `-\d{6}-\d{6}$`)

type harness struct {
	t        *testing.T
	bin      string
	dir      string
	cfgPath  string
	keyPath  string
	dataDir  string
	sbStore  string
	addr     string
	env      []string
	declPath string

	sandbox *proc
	// sandboxExtra are more arguments of `sandbox serve` (the hand-over test's --workflow);
	// clerkKey is a clerk's key file (hand-overs need a clerk's rights).
	sandboxExtra []string
	clerkKey     string
	subject      string // the requester of every dossier (who collects the results)

	mu      sync.Mutex
	printed []string
	told    []string // dossiers whose hand-over a `dossier return` reported recorded
	fails   []string
}

type proc struct {
	name    string
	cmd     *exec.Cmd
	out     bytes.Buffer
	errb    bytes.Buffer
	done    chan struct{}
	started time.Time
	took    time.Duration
	killed  bool
	arg     string // the dossier code of a `dossier return`
}

func TestCrashKillsLoseNothingAndSendNothingTwice(t *testing.T) {
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
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	// The test runs until it has killed minKills processes and seen minCodes
	// dossiers received to the end, however long a busy machine takes;
	// budget only guards against a hang (about a minute on an idle 2-core
	// machine, several beside another suite).
	minKills, minCodes, budget := 30, 3, 12*time.Minute
	if os.Getenv("MOTCUA_SOAK") != "" {
		minKills, minCodes, budget = 200, 20, 40*time.Minute
	}
	begin := time.Now()
	h := newHarness(t)
	h.startSandbox()

	var (
		started, killsSubmit, killsSync, killsSandbox, completed, onAccept int
		maxDelay                                                           = 1500 * time.Millisecond
		sandboxDownAt                                                      = -1
		iter                                                               int
	)
	sandboxKillsAt := []int{minKills / 3, 2 * minKills / 3}
	deadline := begin.Add(budget)
	for kills := 0; (kills < minKills || len(h.printed) < minCodes) && time.Now().Before(deadline); iter++ {
		// Kill the sandbox twice (SIGKILL too), bring it back two iterations later.
		if len(sandboxKillsAt) > 0 && kills >= sandboxKillsAt[0] && h.sandbox != nil {
			sandboxKillsAt = sandboxKillsAt[1:]
			time.Sleep(time.Duration(rng.Int64N(int64(300 * time.Millisecond))))
			h.kill(h.sandbox)
			h.sandbox, sandboxDownAt = nil, iter
			killsSandbox++
		}
		if h.sandbox == nil && iter >= sandboxDownAt+2 {
			h.startSandbox()
		}
		var ps []*proc
		switch r := rng.Float64(); {
		case r < 0.65:
			ps = append(ps, h.start("submit", "dossier", "submit", h.declPath))
		case r < 0.85:
			ps = append(ps, h.start("sync", "queue", "sync", "--now"))
		default:
			ps = append(ps, h.start("submit", "dossier", "submit", h.declPath), h.start("sync", "queue", "sync", "--now"))
		}
		started += len(ps)
		// Three ways to end them: SIGKILL after a random delay (anywhere in
		// their life); SIGKILL as soon as the sandbox has stored a dossier
		// (aimed at the narrow window between the gateway's acceptance and
		// the outbox's "sent"); or no kill.
		delay := time.Duration(rng.Int64N(int64(maxDelay)))
		mode := rng.Float64()
		if kills >= minKills {
			mode = 1 // enough kills: let the processes finish until enough dossiers are received
		}
		killIt := mode < 0.85
		timer := time.NewTimer(delay)
		switch {
		case mode < 0.55:
			<-timer.C
		case killIt:
			if h.waitUpstreamGrowth(ps, 2*maxDelay) {
				onAccept++
			}
		}
		for _, p := range ps {
			if killIt && h.kill(p) {
				if p.name == "submit" {
					killsSubmit++
				} else {
					killsSync++
				}
				kills++
				continue
			}
			h.wait(p, 60*time.Second)
			completed++
			if p.name == "submit" && p.cmd.ProcessState.ExitCode() == 0 {
				// Aim the kills at the life of a submission.
				maxDelay = (maxDelay*7 + p.took*12/10) / 8
			}
		}
		timer.Stop()
		if h.t.Failed() {
			break
		}
	}
	if h.sandbox == nil {
		h.startSandbox()
	}
	kills := killsSubmit + killsSync
	if kills < minKills || len(h.printed) < minCodes {
		t.Errorf("only %d kills and %d dossiers received in %v (want at least %d and %d): the program hangs?",
			kills, len(h.printed), budget, minKills, minCodes)
	}

	// Drain everything: the killed processes' claims and the queued dossiers.
	var drainRuns int
	for ; drainRuns < 30; drainRuns++ {
		p := h.start("sync", "queue", "sync", "--now", "--json")
		h.wait(p, 60*time.Second)
		if p.cmd.ProcessState.ExitCode() == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	upstream, stats := h.admin()
	store := h.readStore()
	probs := verify(h.printed, store, upstream)
	for i, p := range probs {
		if i == 20 {
			t.Errorf("... and %d more problems", len(probs)-20)
			break
		}
		t.Error(p)
	}
	for i, f := range h.fails {
		if i == 10 {
			break
		}
		t.Errorf("unexpected process failure: %s", f)
	}
	t.Logf("kills: %d (%d submit, %d sync; %d aimed right after an upstream acceptance) + %d sandbox; processes: %d started, %d ran to the end; iterations %d",
		kills, killsSubmit, killsSync, onAccept, killsSandbox, started, completed, iter)
	t.Logf("codes printed: %d; dossiers stored: %d; upstream rows: %d; final drain runs: %d; last sandbox's stats %+v",
		len(h.printed), len(store), len(upstream), drainRuns+1, stats)
	t.Logf("kill window at the end %v; elapsed %v; problems %d", maxDelay.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond), len(probs))
	if len(h.printed) == 0 {
		t.Error("no dossier was ever received: the test proved nothing")
	}
}

// built is the motcua binary the crash tests run, built once for all of them (they run
// in parallel); TestMain removes it.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

// motcuaBinary builds the program (with -race when the tests have it) once and returns
// its path.
func motcuaBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "motcua-crashtest-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "motcua")
		args := []string{"build", "-o", built.bin}
		if raceEnabled {
			args = append(args, "-race")
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			built.err = fmt.Errorf("the go command is not on PATH: %w", err)
			return
		}
		if out, err := exec.Command(goBin, append(args, "motcua/cmd/motcua")...).CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir) // clean-up of a temporary directory
	}
	os.Exit(code)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, dir: dir, bin: motcuaBinary(t), dataDir: filepath.Join(dir, "data"),
		keyPath: filepath.Join(dir, "store.key"), sbStore: filepath.Join(dir, "sandbox.jsonl"),
		cfgPath: filepath.Join(dir, "config.toml"), declPath: filepath.Join(dir, "declaration.json")}

	// An encrypted store unlocked by a key file, as an unattended run uses.
	st, err := offline.Init(h.dataDir, offline.Operator{ID: "gs01", Name: "Giám sát Thử nghiệm", Role: offline.RoleSupervisor},
		"mật khẩu thử nghiệm đủ dài", offline.Options{KDF: offline.KDFParams{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExportKeyFile(h.keyPath, offline.KeyRoleSyncReception); err != nil {
		t.Fatal(err)
	}
	h.clerkKey = filepath.Join(dir, "clerk.key")
	if _, err := st.ExportKeyFile(h.clerkKey, offline.KeyRoleClerk); err != nil {
		t.Fatal(err)
	}
	// the clerk the submitting processes run as (a volunteer could not submit)
	if err := st.AddOperator(offline.Operator{ID: "cb.crash", Name: "Cán bộ Thử nghiệm", Role: offline.RoleClerk},
		"mật khẩu cán bộ thử nghiệm"); err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	ln.Close()
	cfg := fmt.Sprintf(`counter = 1
data_dir = %q
key_file = %q

[agency]
code = %q
parent = "UBND PHƯỜNG THỬ NGHIỆM"
name = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
place = "Phường Thử Nghiệm"

[gateway]
url = "http://%s"
timeout = "3s"
retries = 1
breaker_failures = 0

[limits]
lock_wait = "30s"
`, h.dataDir, h.keyPath, agency, h.addr)
	if err := os.WriteFile(h.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var id string
	for _, f := range sandbox.Featured() {
		if f.Kind == "single" {
			id = f.ID
		}
	}
	h.subject = id
	decl := fmt.Sprintf(`{"service": "xac-nhan-tthn", "persons": {"subject": {"id": %q}},
 "values": {"purpose": "other", "purpose_other": "Thử nghiệm sự cố"}}`, id)
	if err := os.WriteFile(h.declPath, []byte(decl), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOTCUA_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") {
			h.env = append(h.env, kv)
		}
	}
	h.env = testenv.NoExitSleep(append(h.env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg-config"), "XDG_DATA_HOME="+filepath.Join(dir, "xdg-data"),
		"MOTCUA_OPERATOR=cb.crash"))
	t.Cleanup(func() {
		if h.sandbox != nil {
			h.kill(h.sandbox)
		}
	})
	return h
}

func (h *harness) start(name string, args ...string) *proc {
	h.t.Helper()
	if name != "sandbox" {
		args = append([]string{"--config", h.cfgPath}, args...)
	}
	p := &proc{name: name, cmd: exec.Command(h.bin, args...), done: make(chan struct{})}
	p.cmd.Env = h.env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		h.t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.took = time.Since(p.started)
		close(p.done)
	}()
	return p
}

// kill sends SIGKILL and reports whether the process was still running.
func (h *harness) kill(p *proc) bool {
	select {
	case <-p.done:
		h.collect(p)
		return false
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	p.killed = ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
	h.collect(p)
	return p.killed
}

func (h *harness) wait(p *proc, limit time.Duration) {
	h.t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		h.kill(p)
		h.t.Errorf("%s did not finish in %v: %s", p.name, limit, p.errb.String())
		return
	}
	h.collect(p)
}

// collect records the codes a finished or killed process printed, and its
// failure when it was neither killed nor successful.
func (h *harness) collect(p *proc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.name == "return" && !p.killed && p.cmd.ProcessState.ExitCode() == 0 {
		h.told = append(h.told, p.arg)
	}
	if p.name == "submit" {
		for _, line := range strings.Split(p.out.String(), "\n") {
			if codeLine.MatchString(strings.TrimSpace(line)) {
				h.printed = append(h.printed, strings.TrimSpace(line))
			}
		}
	}
	if p.killed || p.name == "sandbox" {
		return
	}
	switch code := p.cmd.ProcessState.ExitCode(); {
	case code == 0:
	case code == 3 && p.name == "sync": // some still waiting (the sandbox is down)
	default:
		h.fails = append(h.fails, fmt.Sprintf("%s exited %d: %s", p.name, code, strings.TrimSpace(p.errb.String())))
	}
}

// waitUpstreamGrowth polls the sandbox's store file until it grows (a
// dossier was accepted and fsynced, its answer on the way), the processes
// end, or limit passes; true when it grew.
func (h *harness) waitUpstreamGrowth(ps []*proc, limit time.Duration) bool {
	return h.waitGrowth(h.sbStore, ps, limit)
}

// waitGrowth polls file until it grows, the processes end, or limit passes.
func (h *harness) waitGrowth(file string, ps []*proc, limit time.Duration) bool {
	size := func() int64 {
		st, err := os.Stat(file)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	before, end := size(), time.Now().Add(limit)
	for time.Now().Before(end) {
		if size() > before {
			return true
		}
		running := false
		for _, p := range ps {
			select {
			case <-p.done:
			default:
				running = true
			}
		}
		if !running {
			return false
		}
		time.Sleep(500 * time.Microsecond)
	}
	return false
}

func (h *harness) startSandbox() {
	h.t.Helper()
	// Some answers are lost after the dossier is stored, as when the link
	// drops at the worst moment.
	p := h.start("sandbox", append([]string{"sandbox", "serve", "--addr", h.addr, "--store", h.sbStore, "--faults", `{"loseRate":0.1,"seed":7}`},
		h.sandboxExtra...)...)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + h.addr + "/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-p.done:
			h.t.Fatalf("sandbox exited: %s", p.errb.String())
		default:
		}
		if time.Now().After(deadline) {
			h.kill(p)
			h.t.Fatalf("sandbox not ready: %v %s", err, p.errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.sandbox = p
}

func (h *harness) admin() ([]sandbox.AdminDossier, sandbox.Stats) {
	h.t.Helper()
	var ds []sandbox.AdminDossier
	var st sandbox.Stats
	for path, v := range map[string]any{"/_sandbox/dossiers": &ds, "/_sandbox/stats": &st} {
		resp, err := http.Get("http://" + h.addr + path)
		if err != nil {
			h.t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(v)
		resp.Body.Close()
		if err != nil {
			h.t.Fatalf("%s: %v", path, err)
		}
	}
	return ds, st
}

func (h *harness) readStore() map[string]stored {
	h.t.Helper()
	st, err := offline.UnlockWithKeyFile(h.dataDir, h.keyPath, offline.Options{LockWait: 30 * time.Second})
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]stored{}
	err = st.View(func(tx *offline.Tx) error {
		ds, err := tx.ListDossiers(offline.DossierFilter{})
		if err != nil {
			return err
		}
		for _, d := range ds {
			out[d.Code] = stored{DossierState: d.State}
		}
		es, err := tx.ListOutbox()
		if err != nil {
			return err
		}
		for _, e := range es {
			s, ok := out[e.Code]
			if !ok {
				return fmt.Errorf("outbox entry %s without a dossier", e.Code)
			}
			s.Key, s.OutboxState = e.IdempotencyKey, string(e.State)
			out[e.Code] = s
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}
