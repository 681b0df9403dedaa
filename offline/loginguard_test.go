package offline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
}

func clockOpt(c *fakeClock) Options {
	o := testOpt()
	o.Clock = c.Now
	return o
}

const wrongPass = "sai-mat-khau-XYZ-123"

// delayOf returns the wait an Unlock error asks for (0 when it asks for none).
func delayOf(t *testing.T, err error) time.Duration {
	t.Helper()
	var d *LoginDelayError
	if errors.As(err, &d) {
		if !errors.Is(err, ErrLoginDelayed) {
			t.Errorf("%v is a LoginDelayError but not ErrLoginDelayed", err)
		}
		return d.Wait
	}
	return 0
}

// loginEntries are the audit entries about logins: operator:outcome:detail@time.
func loginEntries(t *testing.T, s *Store) []string {
	t.Helper()
	log, err := s.AccessLog()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range log {
		if e.Action == ActionLogin {
			out = append(out, fmt.Sprintf("%s:%s:%s@%s", e.Operator, e.Outcome, e.Detail, e.Time.UTC().Format("15:04:05")))
		}
	}
	return out
}

// Twenty wrong passphrases in a row: free tries, then a wait doubling up to the cap, kept in
// the data directory (every attempt is a new Store, as a new process would be), refused
// without trying the passphrase while it runs, and the failures reach the audit chain at the
// next unlock with their operator and time, never the passphrase.
func TestLoginBackoff(t *testing.T) {
	clock := newFakeClock()
	s, err := Init(t.TempDir(), supervisor, supPass, clockOpt(clock))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddOperator(clerk, clerkPass); err != nil {
		t.Fatal(err)
	}
	dir := s.Dir()
	var waits []time.Duration
	start := clock.Now()
	for i := 1; i <= 20; i++ {
		_, _, err := Unlock(dir, "gs01", wrongPass, clockOpt(clock))
		if !errors.Is(err, ErrBadPassphrase) {
			t.Fatalf("attempt %d: %v, want ErrBadPassphrase", i, err)
		}
		w := delayOf(t, err)
		waits = append(waits, w)
		if w > 0 {
			// During the wait even the right passphrase is refused, without being tried.
			clock.Add(w - time.Second)
			_, _, err := Unlock(dir, "gs01", supPass, clockOpt(clock))
			if got := delayOf(t, err); got != time.Second || errors.Is(err, ErrBadPassphrase) {
				t.Fatalf("attempt during the wait after failure %d: %v (wait %s), want a 1s wait", i, err, got)
			}
			clock.Add(time.Second)
		}
	}
	want := []time.Duration{0, 0, 0, 0, 30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for len(want) < 20 {
		want = append(want, 15*time.Minute)
	}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("waits after each failure:\n got %v\nwant %v", waits, want)
	}
	if took := clock.Now().Sub(start); took < 2*time.Hour {
		t.Errorf("20 wrong passphrases took %s of the clock, want hours", took)
	}
	if msg := ClerkMessage(fmt.Errorf("login: %w", &LoginDelayError{Wait: 90 * time.Second, Cause: ErrBadPassphrase})); !strings.Contains(msg, "đợi 1 phút 30 giây") {
		t.Errorf("message %q does not say how long to wait", msg)
	}
	if msg := ClerkMessage(&LoginDelayError{Wait: 15 * time.Minute}); !strings.Contains(msg, "đợi 15 phút rồi") {
		t.Errorf("message %q does not say how long to wait", msg)
	}

	// A 21st failure starts another wait. Another operator is not delayed by gs01's
	// failures; logging in enters them into the audit chain with their times.
	if _, _, err := Unlock(dir, "gs01", wrongPass, clockOpt(clock)); delayOf(t, err) != 15*time.Minute {
		t.Fatalf("21st failure: %v", err)
	}
	clock.Add(time.Minute)
	c, _, err := Unlock(dir, "cb02", clerkPass, clockOpt(clock))
	if err != nil {
		t.Fatalf("cb02 after gs01's failures: %v", err)
	}
	entries := loginEntries(t, c)
	if len(entries) != 22 || entries[0] != "gs01:failed:@08:00:00" || entries[21] != "cb02:ok:failed_before=21@"+clock.Now().Format("15:04:05") {
		t.Errorf("login entries: %q", entries)
	}
	if _, err := c.VerifyAudit(); err != nil {
		t.Error(err)
	}
	raw, _ := os.ReadFile(c.Path())
	if strings.Contains(string(raw), wrongPass) {
		t.Error("the wrong passphrase is in the data file")
	}
	// gs01 is still delayed (only its own success resets it) ...
	if _, _, err := Unlock(dir, "gs01", supPass, clockOpt(clock)); delayOf(t, err) == 0 || errors.Is(err, ErrBadPassphrase) {
		t.Errorf("gs01 right after cb02's login: %v, want a wait", err)
	}
	clock.Add(14 * time.Minute)
	if _, _, err := Unlock(dir, "gs01", supPass, clockOpt(clock)); err != nil {
		t.Fatalf("gs01 after its wait: %v", err)
	}
	// ... and its own success gives it its free tries back; nothing more to settle.
	for i := 1; i <= 4; i++ {
		if _, _, err := Unlock(dir, "gs01", wrongPass, clockOpt(clock)); delayOf(t, err) != 0 {
			t.Fatalf("failure %d after a success: %v", i, err)
		}
	}
}

// Many IDs: each ID has its own counter (an unknown ID is treated like a known one, so the
// delays do not tell which IDs exist), and the store's own counter stops a spray over IDs.
func TestLoginBackoffOverall(t *testing.T) {
	clock := newFakeClock()
	s, err := Init(t.TempDir(), supervisor, supPass, clockOpt(clock))
	if err != nil {
		t.Fatal(err)
	}
	dir := s.Dir()
	ids := []string{"gs01", "nobody", "x1", "x2", "x3"}
	for _, id := range ids {
		for range 4 {
			if _, _, err := Unlock(dir, id, wrongPass, clockOpt(clock)); !errors.Is(err, ErrBadPassphrase) {
				t.Fatalf("%s: %v", id, err)
			}
		}
	}
	// 20 failures over 5 IDs, none delayed per ID: now the store as a whole waits 30 s.
	_, _, err = Unlock(dir, "x4", wrongPass, clockOpt(clock))
	if w := delayOf(t, err); w != 30*time.Second || errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("21st attempt (new ID): %v, want refused with a 30s wait", err)
	}
	clock.Add(30 * time.Second)
	if _, _, err := Unlock(dir, "gs01", supPass, clockOpt(clock)); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	got := strings.Join(loginEntries(t, s), " ")
	if strings.Count(got, "gs01:failed:") != 4 || strings.Count(got, "?:failed:") != 16 || strings.Contains(got, "nobody") {
		t.Errorf("entries: %s", got)
	}
}

// The wait holds across processes: failures made here delay an attempt in another process.
func TestLoginBackoffAcrossProcesses(t *testing.T) {
	s := newEncrypted(t)
	for range 5 {
		Unlock(s.Dir(), "cb02", wrongPass, testOpt())
	}
	h := startHelper(t, "login", s.Dir(), helperOpEnv+"=cb02", helperPassEnv+"="+clerkPass)
	if out := h.finish(t); len(out) != 1 || out[0] != "delayed" {
		t.Errorf("other process: %q, want delayed", out)
	}
}

// What someone with the file (and without the key) does to the record of failed logins shows
// at the next unlock.
func TestLoginGuardTamper(t *testing.T) {
	cases := []struct {
		name string
		edit func(g map[string]json.RawMessage) bool // false: delete the record
		want string
	}{
		{"record deleted", func(map[string]json.RawMessage) bool { return false }, "gs01:ok:guard_missing"},
		{"first failure removed", func(g map[string]json.RawMessage) bool {
			var fs []json.RawMessage
			json.Unmarshal(g["failures"], &fs)
			g["failures"], _ = json.Marshal(fs[1:])
			return true
		}, "gs01:ok:guard_chain=0"},
		{"failure rewritten", func(g map[string]json.RawMessage) bool {
			g["failures"] = json.RawMessage(strings.Replace(string(g["failures"]), `"op":"cb02"`, `"op":"gs01"`, 1))
			return true
		}, "gs01:ok:guard_chain=0"},
		{"emptied", func(g map[string]json.RawMessage) bool {
			delete(g, "failures")
			return true
		}, "gs01:ok:guard_chain"},
		{"new epoch", func(g map[string]json.RawMessage) bool {
			g["epoch"], _ = json.Marshal(make([]byte, 16))
			return true
		}, "gs01:ok:guard_replaced"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := newFakeClock()
			s, err := Init(t.TempDir(), supervisor, supPass, clockOpt(clock))
			if err != nil {
				t.Fatal(err)
			}
			s.AddOperator(clerk, clerkPass)
			for range 3 {
				Unlock(s.Dir(), "cb02", wrongPass, clockOpt(clock))
			}
			rawEdit(t, s, func(_, meta *bolt.Bucket) error {
				var g map[string]json.RawMessage
				if err := json.Unmarshal(meta.Get(metaLoginGuard), &g); err != nil {
					return err
				}
				if !c.edit(g) {
					return meta.Delete(metaLoginGuard)
				}
				v, _ := json.Marshal(g)
				return meta.Put(metaLoginGuard, v)
			})
			u, _, err := Unlock(s.Dir(), "gs01", supPass, clockOpt(clock))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(loginEntries(t, u), " ")
			if !strings.Contains(got, c.want+"@") {
				t.Errorf("login entries %s, want one %s", got, c.want)
			}
			// Nothing left to settle afterwards.
			if _, _, err := Unlock(s.Dir(), "gs01", supPass, clockOpt(clock)); err != nil {
				t.Fatal(err)
			}
			if again := strings.Join(loginEntries(t, u), " "); again != got {
				t.Errorf("a second unlock added login entries: %s", strings.TrimPrefix(again, got))
			}
		})
	}
}

// The schedule in SECURITY.md is the one in force: this test prints it (go test -v -run
// TestLoginBackoffSchedule ./offline) and checks that the document holds the same lines.
func TestLoginBackoffSchedule(t *testing.T) {
	var b strings.Builder
	b.WriteString("| failures in a row | wait, one ID | earliest next try after the first failure, one ID | wait, all IDs together |\n|---|---|---|---|\n")
	var elapsed time.Duration
	for n := 1; n <= 20; n++ {
		d := LoginPerOperator.Delay(n)
		elapsed += d
		fmt.Fprintf(&b, "| %d | %s | %s | %s |\n", n, fmtDelay(d), fmtDelay(elapsed), fmtDelay(LoginOverall.Delay(n)))
	}
	for _, n := range []int{25, 30} {
		fmt.Fprintf(&b, "| %d | %s | | %s |\n", n, fmtDelay(LoginPerOperator.Delay(n)), fmtDelay(LoginOverall.Delay(n)))
	}
	t.Logf("login backoff schedule:\n%s", b.String())
	doc, err := os.ReadFile("SECURITY.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string // the table may be indented under a list item
	for _, l := range strings.Split(string(doc), "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	if !strings.Contains(strings.Join(lines, "\n"), b.String()) {
		t.Errorf("SECURITY.md does not hold the schedule in force; put this table in it:\n%s", b.String())
	}
}

func fmtDelay(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	var out []string
	if h > 0 {
		out = append(out, fmt.Sprintf("%d h", h))
	}
	if m > 0 {
		out = append(out, fmt.Sprintf("%d min", m))
	}
	if s > 0 {
		out = append(out, fmt.Sprintf("%d s", s))
	}
	return strings.Join(out, " ")
}

// A key file's unlock writes to the data file only when something is to be settled (failed
// logins kept aside) or given (a holder key): the counter unlocks with its key file at every
// start, and a unit of work that writes syncs the file.
func TestKeyFileUnlockWritesOnlyWhatItMust(t *testing.T) {
	clock := newFakeClock()
	s, err := Init(t.TempDir(), supervisor, supPass, clockOpt(clock))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "motcua.key")
	if _, err := s.ExportKeyFile(path, KeyRoleClerk); err != nil {
		t.Fatal(err)
	}
	if _, err := UnlockWithKeyFile(s.Dir(), path, clockOpt(clock)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(s.Path())
	if _, err := UnlockWithKeyFile(s.Dir(), path, clockOpt(clock)); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(s.Path()); !bytes.Equal(before, after) {
		t.Error("an unlock with nothing to settle wrote to the data file")
	}
	// a failed login is kept aside; the next key-file unlock enters it into the audit chain
	if _, _, err := Unlock(s.Dir(), "gs01", wrongPass, clockOpt(clock)); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	k, err := UnlockWithKeyFile(s.Dir(), path, clockOpt(clock))
	if err != nil {
		t.Fatal(err)
	}
	if entries := loginEntries(t, k); len(entries) != 2 || !strings.HasPrefix(entries[0], "gs01:failed:") ||
		!strings.Contains(entries[1], ":ok:failed_before=1@") {
		t.Errorf("login entries after the key file's unlock: %q", entries)
	}
	if _, err := k.VerifyAudit(); err != nil {
		t.Error(err)
	}
}
