package crashtest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"motcua/lookups/sandbox"
	"motcua/offline"
)

// The hand-over crash test. Dossiers are received and sent upstream, the sandbox's agencies
// make their results ready within a second; then a loop starts `motcua dossier return CODE`
// (a code drawn at random, so that some hand-overs are run again) and `motcua queue sync`
// processes, alone or together, and kills them with SIGKILL after a random delay or right
// after the sandbox has stored an event; the sandbox is killed and restarted twice. At the end
// the event queue is drained and every hand-over the clerk was told was recorded (the command
// ended with success) must be upstream exactly once, under the key of the event the store
// recorded; no dossier may be handed over upstream more than once.

// returned is the event kind of a hand-over.
const returned = "returned"

func TestCrashHandOversReachTheSandboxOnce(t *testing.T) {
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
	rng := rand.New(rand.NewPCG(seed, seed^0x51af2b3c))
	// budget only guards against a hang, as in the reception's crash test
	dossiers, minKills, budget := 10, 30, 12*time.Minute
	if os.Getenv("MOTCUA_SOAK") != "" {
		dossiers, minKills, budget = 40, 200, 40*time.Minute
	}
	begin := time.Now()
	h := newHarness(t)
	// every dossier's result ready about a second after it reaches the agency
	h.sandboxExtra = []string{"--workflow", `{"span":"1s","onTime":1}`}
	h.startSandbox()
	codes := h.receiveAll(dossiers)
	h.waitResultsReady(codes)
	events := h.sbStore + ".events"

	var (
		started, killsReturn, killsSync, killsSandbox, completed, onAccept, iter int
		maxDelay                                                                 = 1500 * time.Millisecond
		sandboxDownAt                                                            = -1
	)
	sandboxKillsAt := []int{minKills / 3, 2 * minKills / 3}
	deadline := begin.Add(budget)
	for kills := 0; (kills < minKills || len(distinct(h.told)) < len(codes)) && time.Now().Before(deadline); iter++ {
		if len(sandboxKillsAt) > 0 && kills >= sandboxKillsAt[0] && h.sandbox != nil {
			sandboxKillsAt = sandboxKillsAt[1:]
			time.Sleep(time.Duration(rng.Int64N(int64(300 * time.Millisecond))))
			h.kill(h.sandbox)
			h.sandbox, sandboxDownAt = nil, iter
			killsSandbox++
		}
		if h.sandbox == nil && iter >= sandboxDownAt+3 {
			h.startSandbox()
		}
		code := codes[rng.IntN(len(codes))]
		// enough kills, or the sandbox down (hand-overs recorded offline must drain later):
		// hand over a dossier not handed over yet, to the end
		finish := kills >= minKills || h.sandbox == nil
		if finish {
			for _, c := range codes {
				if !contains(h.told, c) {
					code = c
					break
				}
			}
		}
		var ps []*proc
		switch r := rng.Float64(); {
		case r < 0.65:
			ps = append(ps, h.handOver(code))
		case r < 0.85:
			ps = append(ps, h.start("sync", "queue", "sync", "--now"))
		default:
			ps = append(ps, h.handOver(code), h.start("sync", "queue", "sync", "--now"))
		}
		started += len(ps)
		delay := time.Duration(rng.Int64N(int64(maxDelay)))
		mode := rng.Float64()
		if finish {
			mode = 1
		}
		killIt := mode < 0.85
		timer := time.NewTimer(delay)
		switch {
		case mode < 0.55:
			<-timer.C
		case killIt:
			// aimed at the window between the sandbox's acceptance of the event and the
			// queue's "sent"
			if h.waitGrowth(events, ps, 2*maxDelay) {
				onAccept++
			}
		}
		for _, p := range ps {
			if killIt && h.kill(p) {
				if p.name == "return" {
					killsReturn++
				} else {
					killsSync++
				}
				kills++
				continue
			}
			h.wait(p, 60*time.Second)
			completed++
			if p.name == "return" && p.cmd.ProcessState.ExitCode() == 0 {
				maxDelay = (maxDelay*7 + p.took*12/10) / 8
			}
		}
		timer.Stop()
		if t.Failed() {
			break
		}
	}
	if h.sandbox == nil {
		h.startSandbox()
	}
	kills := killsReturn + killsSync
	if kills < minKills || len(distinct(h.told)) < len(codes) {
		t.Errorf("only %d kills and %d of %d hand-overs told in %v: the program hangs?", kills, len(distinct(h.told)), len(codes), budget)
	}
	var drainRuns int
	for ; drainRuns < 30; drainRuns++ {
		p := h.start("sync", "queue", "sync", "--now")
		h.wait(p, 60*time.Second)
		if p.cmd.ProcessState.ExitCode() == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	upstream := h.events()
	local := h.readEvents()
	probs := verifyHandOvers(h.told, local, upstream)
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
	t.Logf("kills: %d (%d return, %d sync; %d aimed right after an upstream acceptance) + %d sandbox; processes: %d started, %d ran to the end; iterations %d",
		kills, killsReturn, killsSync, onAccept, killsSandbox, started, completed, iter)
	t.Logf("hand-overs told: %d (%d dossiers); local events: %d; upstream events: %d; final drain runs: %d; elapsed %v; problems %d",
		len(h.told), len(distinct(h.told)), len(local), len(upstream), drainRuns+1, time.Since(begin).Round(time.Millisecond), len(probs))
}

// handOver starts `dossier return CODE` for the requester, as the clerk's key file.
func (h *harness) handOver(code string) *proc {
	p := h.start("return", "--key-file", h.clerkKey, "dossier", "return", code, "--receiver", h.subject)
	p.arg = code
	return p
}

// receiveAll submits n dossiers (no kills) and sends them upstream; it returns their codes.
func (h *harness) receiveAll(n int) []string {
	h.t.Helper()
	for range n {
		p := h.start("submit", "dossier", "submit", h.declPath)
		h.wait(p, 60*time.Second)
	}
	if len(h.printed) != n || len(h.fails) > 0 {
		h.t.Fatalf("received %d of %d dossiers: %v", len(h.printed), n, h.fails)
	}
	for i := 0; ; i++ {
		p := h.start("sync", "queue", "sync", "--now")
		h.wait(p, 60*time.Second)
		if p.cmd.ProcessState.ExitCode() == 0 {
			break
		}
		if i == 30 {
			h.t.Fatalf("the dossiers do not go upstream: %s", p.errb.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	return append([]string(nil), h.printed...)
}

// waitResultsReady asks for each dossier's status until the counter's store knows its result
// is ready (a hand-over then succeeds with the link down too).
func (h *harness) waitResultsReady(codes []string) {
	h.t.Helper()
	for _, c := range codes {
		end := time.Now().Add(60 * time.Second)
		for {
			p := h.start("status", "--key-file", h.clerkKey, "dossier", "status", c, "--json")
			h.wait(p, 60*time.Second)
			var st struct {
				Stage string `json:"stage"`
			}
			if json.Unmarshal(p.out.Bytes(), &st) == nil && st.Stage == "result_ready" {
				break
			}
			if time.Now().After(end) {
				h.t.Fatalf("%s: no result ready upstream (stage %q): %s", c, st.Stage, p.errb.String())
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
}

// events returns the counters' events the sandbox accepted.
func (h *harness) events() []sandbox.AdminEvent {
	h.t.Helper()
	resp, err := http.Get("http://" + h.addr + "/_sandbox/events")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var es []sandbox.AdminEvent
	if err := json.NewDecoder(resp.Body).Decode(&es); err != nil {
		h.t.Fatalf("/_sandbox/events: %v", err)
	}
	return es
}

// readEvents returns the store's event queue.
func (h *harness) readEvents() []offline.EventEntry {
	h.t.Helper()
	st, err := offline.UnlockWithKeyFile(h.dataDir, h.keyPath, offline.Options{LockWait: 30 * time.Second})
	if err != nil {
		h.t.Fatal(err)
	}
	es, err := st.ListEvents()
	if err != nil {
		h.t.Fatal(err)
	}
	return es
}

// verifyHandOvers lists every problem with the hand-overs: one the clerk was told was
// recorded that the store does not hold, or that is not upstream, or is there under another
// key; a dossier handed over more than once in the store or upstream; an event not drained.
func verifyHandOvers(told []string, local []offline.EventEntry, upstream []sandbox.AdminEvent) []string {
	var probs []string
	mine := map[string][]offline.EventEntry{}
	for _, e := range local {
		if e.Kind == returned {
			mine[e.Code] = append(mine[e.Code], e)
		}
	}
	up := map[string][]sandbox.AdminEvent{}
	for _, e := range upstream {
		if e.Kind == returned {
			up[e.Code] = append(up[e.Code], e)
		}
	}
	for _, c := range distinct(told) {
		switch {
		case len(mine[c]) == 0:
			probs = append(probs, fmt.Sprintf("%s: the clerk was told the hand-over was recorded, the store holds none", c))
		case len(up[c]) == 0:
			probs = append(probs, fmt.Sprintf("%s: hand-over told, MISSING upstream", c))
		}
	}
	codes := map[string]bool{}
	for c := range mine {
		codes[c] = true
	}
	for c := range up {
		codes[c] = true
	}
	var all []string
	for c := range codes {
		all = append(all, c)
	}
	sort.Strings(all)
	for _, c := range all {
		ms, us := mine[c], up[c]
		if len(ms) > 1 {
			probs = append(probs, fmt.Sprintf("%s: the store recorded %d hand-overs", c, len(ms)))
		}
		if len(us) > 1 {
			var keys []string
			for _, u := range us {
				keys = append(keys, u.Key)
			}
			probs = append(probs, fmt.Sprintf("%s: hand-over DUPLICATED upstream (%d times, keys %s)", c, len(us), strings.Join(keys, ",")))
		}
		if len(ms) == 0 {
			probs = append(probs, fmt.Sprintf("%s: upstream holds a hand-over the store does not know", c))
			continue
		}
		if ms[0].State != offline.OutboxSent {
			probs = append(probs, fmt.Sprintf("%s: hand-over not drained (event %q: %s %s)", c, ms[0].State, ms[0].LastError, ms[0].Message))
		}
		if len(us) == 1 && us[0].Key != ms[0].Key {
			probs = append(probs, fmt.Sprintf("%s: upstream under key %s, the store holds %s", c, us[0].Key, ms[0].Key))
		}
	}
	return probs
}

func distinct(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestVerifyHandOversCatchesLossAndDuplicates shows that the hand-over check can fail.
func TestVerifyHandOversCatchesLossAndDuplicates(t *testing.T) {
	good := func() ([]offline.EventEntry, []sandbox.AdminEvent) {
		local := []offline.EventEntry{{Code: "A-1", Kind: returned, Key: "k1", State: offline.OutboxSent},
			{Code: "A-2", Kind: returned, Key: "k2", State: offline.OutboxSent}, {Code: "A-2", Kind: "rated", Key: "r2", State: offline.OutboxSent}}
		up := []sandbox.AdminEvent{{Code: "A-1", Kind: returned, Key: "k1"}, {Code: "A-2", Kind: returned, Key: "k2"}, {Code: "A-2", Kind: "rated", Key: "r2"}}
		return local, up
	}
	local, up := good()
	if p := verifyHandOvers([]string{"A-1", "A-2", "A-1"}, local, up); len(p) != 0 {
		t.Fatalf("clean run reported %v", p)
	}
	for _, tc := range []struct {
		name   string
		damage func(told *[]string, local *[]offline.EventEntry, up *[]sandbox.AdminEvent)
		want   string
	}{
		{"lost upstream", func(_ *[]string, _ *[]offline.EventEntry, up *[]sandbox.AdminEvent) { *up = (*up)[:1] }, "A-2: hand-over told, MISSING"},
		{"twice upstream", func(_ *[]string, _ *[]offline.EventEntry, up *[]sandbox.AdminEvent) {
			*up = append(*up, sandbox.AdminEvent{Code: "A-1", Kind: returned, Key: "k1-bis"})
		}, "A-1: hand-over DUPLICATED"},
		{"twice in the store", func(_ *[]string, l *[]offline.EventEntry, _ *[]sandbox.AdminEvent) {
			*l = append(*l, offline.EventEntry{Code: "A-1", Kind: returned, Key: "k1-bis", State: offline.OutboxRejected})
		}, "A-1: the store recorded 2"},
		{"told but not stored", func(told *[]string, _ *[]offline.EventEntry, _ *[]sandbox.AdminEvent) { *told = append(*told, "A-3") }, "A-3: the clerk was told"},
		{"unknown upstream", func(_ *[]string, _ *[]offline.EventEntry, up *[]sandbox.AdminEvent) {
			*up = append(*up, sandbox.AdminEvent{Code: "B-9", Kind: returned, Key: "x"})
		}, "B-9: upstream holds"},
		{"other key", func(_ *[]string, l *[]offline.EventEntry, _ *[]sandbox.AdminEvent) { (*l)[0].Key = "other" }, "A-1: upstream under key k1"},
		{"not drained", func(_ *[]string, l *[]offline.EventEntry, _ *[]sandbox.AdminEvent) {
			(*l)[0].State = offline.OutboxRejected
		}, "A-1: hand-over not drained"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			local, up := good()
			told := []string{"A-1", "A-2"}
			tc.damage(&told, &local, &up)
			p := verifyHandOvers(told, local, up)
			if !strings.Contains(strings.Join(p, "\n"), tc.want) {
				t.Errorf("problems = %v, want one with %q", p, tc.want)
			}
		})
	}
}
