package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	cardpkg "motcua/lookups/card"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/internal/config"
	"motcua/internal/counter"
	"motcua/internal/demo"
	"motcua/internal/testenv"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// isolate keeps the commands of t and of its subtests away from the machine:
// no user config file, no user data directory, no MOTCUA_* variables (an
// empty value counts as unset). It does not touch the process's environment:
// the in-process commands (runCLI) and the programs the test starts (environ)
// get an environment of their own, so tests that call it can run in parallel.
func isolate(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	vars := map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, "config"),
		"XDG_DATA_HOME":   filepath.Join(home, "data"),
		"MOTCUA_OPERATOR": "",
	}
	for _, e := range config.Env {
		vars[e.Name] = ""
	}
	for k, v := range vars {
		setenv(t, k, v)
	}
}

// testEnv is the environment of a test's commands: the variables the test
// (or an enclosing test) set over the process's environment, which no test
// changes (setenv instead of t.Setenv), and the argon2id cost of the
// passphrases its in-process commands make (useKDF).
type testEnv struct {
	parent *testEnv // nil: the process's environment
	mu     sync.Mutex
	vars   map[string]string
	kdf    offline.KDFParams
}

// testEnvs are the tests' environments by test name (a subtest without its own
// uses its parent's).
var testEnvs = struct {
	sync.Mutex
	m map[string]*testEnv
}{m: map[string]*testEnv{}}

// envOf is the environment of t's commands: its own, else its nearest
// enclosing test's, else nil (the process's).
func envOf(t *testing.T) *testEnv {
	testEnvs.Lock()
	defer testEnvs.Unlock()
	for name := t.Name(); ; {
		if e := testEnvs.m[name]; e != nil {
			return e
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return nil
		}
		name = name[:i]
	}
}

// ownEnv is t's own environment, made over its enclosing test's when t has
// none yet; it ends with t.
func ownEnv(t *testing.T) *testEnv {
	e := envOf(t)
	testEnvs.Lock()
	defer testEnvs.Unlock()
	if e == nil || testEnvs.m[t.Name()] != e {
		e = &testEnv{parent: e, vars: map[string]string{}}
		testEnvs.m[t.Name()] = e
		t.Cleanup(func() {
			testEnvs.Lock()
			delete(testEnvs.m, t.Name())
			testEnvs.Unlock()
		})
	}
	return e
}

// setenv sets k to v for the commands of t and of its subtests, until t ends:
// t.Setenv for the commands only, so that t can run in parallel.
func setenv(t *testing.T, k, v string) {
	t.Helper()
	e := ownEnv(t)
	e.mu.Lock()
	e.vars[k] = v
	e.mu.Unlock()
}

// useKDF makes the in-process commands of t and of its subtests make their
// passphrases and handoff files with the argon2id cost p instead of
// offline.DefaultKDF (app.kdf), for tests about something else than that cost.
func useKDF(t *testing.T, p offline.KDFParams) {
	e := ownEnv(t)
	e.mu.Lock()
	e.kdf = p
	e.mu.Unlock()
}

// cheapKDF is an argon2id cost for useKDF: the production cost takes seconds a
// passphrase under the race detector.
var cheapKDF = offline.KDFParams{Time: 1, MemoryKiB: 256, Threads: 1}

// kdfOf is the argon2id cost of t's in-process commands (zero: the default).
func kdfOf(t *testing.T) offline.KDFParams {
	for e := envOf(t); e != nil; e = e.parent {
		e.mu.Lock()
		p := e.kdf
		e.mu.Unlock()
		if p != (offline.KDFParams{}) {
			return p
		}
	}
	return offline.KDFParams{}
}

// lookup is os.LookupEnv in e.
func (e *testEnv) lookup(k string) (string, bool) {
	for ; e != nil; e = e.parent {
		e.mu.Lock()
		v, ok := e.vars[k]
		e.mu.Unlock()
		if ok {
			return v, true
		}
	}
	return os.LookupEnv(k)
}

// getenv is os.Getenv in t's environment: the in-process commands' (app.getenv).
func getenv(t *testing.T) func(string) string {
	e := envOf(t)
	return func(k string) string {
		v, _ := e.lookup(k)
		return v
	}
}

// environ is os.Environ in t's environment, for the programs t starts
// (exec.Cmd.Env), with extra variables (NAME=value) last, and GORACE's
// atexit_sleep_ms=0 (testenv.NoExitSleep).
func environ(t *testing.T, extra ...string) []string {
	seen := map[string]bool{}
	var out []string
	for e := envOf(t); e != nil; e = e.parent {
		e.mu.Lock()
		for k, v := range e.vars {
			if !seen[k] {
				seen[k] = true
				out = append(out, k+"="+v)
			}
		}
		e.mu.Unlock()
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !seen[k] {
			out = append(out, kv)
		}
	}
	return testenv.NoExitSleep(append(out, extra...))
}

// demoTemplate is a demo store made once for the test binary by the real
// command, copied by demoStore for each test that needs one: making one costs
// two argon2id derivations at the production cost (the demo's own), slow
// under the race detector.
var demoTemplate struct {
	once sync.Once
	dir  string
	err  error
}

// demoStore returns a new directory holding a demo store, as `motcua --demo`
// leaves it after its first command (store, key file, operators' passphrases),
// for tests that use a demo store without being about its making: each gets
// its own copy, with the same operators and keys as the other copies.
func demoStore(t *testing.T) string {
	t.Helper()
	demoTemplate.once.Do(func() {
		base, err := os.MkdirTemp("", "motcua-demo-template-")
		if err != nil {
			demoTemplate.err = err
			return
		}
		demoTemplate.dir = filepath.Join(base, "demo")
		var out, errb bytes.Buffer
		env := map[string]string{"HOME": base} // no MOTCUA_* variable, no user directory
		if code := (&app{getenv: func(k string) string { return env[k] }}).run([]string{"dossier", "list", "--demo", "--data-dir", demoTemplate.dir},
			strings.NewReader(""), &out, &errb); code != exitOK {
			demoTemplate.err = fmt.Errorf("creating the demo store: exit %d\n%s%s", code, out.String(), errb.String())
		}
	})
	if demoTemplate.err != nil {
		t.Fatal(demoTemplate.err)
	}
	// everything but the log of the command that made it
	dir := t.TempDir()
	err := filepath.WalkDir(demoTemplate.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == demoTemplate.dir {
			return err
		}
		rel, _ := filepath.Rel(demoTemplate.dir, p)
		switch {
		case d.IsDir():
			return os.Mkdir(filepath.Join(dir, rel), 0o700)
		case rel == logName:
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o600)
	})
	if err != nil {
		t.Fatalf("copying the demo store: %v", err)
	}
	return dir
}

// removeDemoTemplate removes demoStore's template when the tests have run.
func removeDemoTemplate() {
	if demoTemplate.dir != "" {
		_ = os.RemoveAll(filepath.Dir(demoTemplate.dir)) // clean-up of a temporary directory
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := (&app{getenv: getenv(t), kdf: kdfOf(t)}).run(args, strings.NewReader(""), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func featuredID(t *testing.T, kind string) string {
	t.Helper()
	for _, f := range sandbox.Featured() {
		if f.Kind == kind {
			return f.ID
		}
	}
	t.Fatalf("no featured person of kind %q", kind)
	return ""
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	isolate(t)
	valid := featuredID(t, "single")
	tests := []struct {
		name   string
		args   []string
		want   int
		stderr string // substring of stderr
	}{
		{"unknown command", []string{"frobnicate"}, exitUsage, "Xem hướng dẫn: motcua --help"},
		{"unknown flag", []string{"--frobnicate"}, exitUsage, "không có tham số --frobnicate"},
		{"unknown flag of a subcommand", []string{"lookup", "--frobnicate", valid}, exitUsage, "không có tham số --frobnicate"},
		{"lookup without ID", []string{"lookup"}, exitUsage, "cần đúng 1 tham số: số định danh"},
		{"lookup with two IDs", []string{"lookup", valid, valid}, exitUsage, "cần đúng 1 tham số"},
		{"lookup invalid ID", []string{"lookup", "--operator", "cb01", "12345"}, exitUsage, "số định danh không hợp lệ"},
		{"lookup letters", []string{"lookup", "--operator", "cb01", "00108501234x"}, exitUsage, "số định danh không hợp lệ"},
		{"lookup without operator", []string{"lookup", valid}, exitUsage, "thiếu mã cán bộ"},
		{"lookup without purpose", []string{"lookup", "--operator", "cb01", valid}, exitUsage, "thiếu mục đích"},
		{"lookup unknown purpose", []string{"lookup", "--operator", "cb01", "--purpose", "curiosity", valid}, exitUsage, "không có"},
		{"lookup purpose dossier without code", []string{"lookup", "--operator", "cb01", "--purpose", "dossier", valid}, exitUsage, "--dossier"},
		{"lookup without gateway", []string{"lookup", "--data-dir", t.TempDir(), "--operator", "cb01", "--purpose", "check", valid}, exitUsage, "Chưa cấu hình địa chỉ cổng dữ liệu"},
		{"dossier show without code", []string{"dossier", "show"}, exitUsage, "mã hồ sơ"},
		{"dossier show without operator", []string{"dossier", "show", "--data-dir", t.TempDir(), "X-1"}, exitUsage, "thiếu mã cán bộ"},
		{"version with argument", []string{"version", "x"}, exitUsage, "không nhận tham số"},
		{"sandbox serve size 0", []string{"sandbox", "serve", "--size", "0", "--addr", "127.0.0.1:0"}, exitUsage, "--size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.args...)
			if r.code != tt.want {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.want, r)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr does not contain %q\n%s", tt.stderr, r)
			}
			if r.stdout != "" {
				t.Errorf("usage error wrote to stdout:\n%s", r)
			}
		})
	}
}

func TestInvalidIDReasonIsVietnamese(t *testing.T) {
	t.Parallel()
	isolate(t)
	r := runCLI(t, "lookup", "--operator", "cb01", "12345")
	if r.code != exitUsage {
		t.Fatalf("%s", r)
	}
	// The reason after the prefix comes from the pid package and is Vietnamese.
	_, reason, ok := strings.Cut(r.stderr, "số định danh không hợp lệ: ")
	if !ok || strings.TrimSpace(reason) == "" {
		t.Fatalf("no reason given:\n%s", r)
	}
	if !strings.ContainsAny(reason, "ạảãáàâầấậẩẫăằắặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữíìịỉĩúùụủũóòọỏõéèẹẻẽýỳỵỷỹ") {
		t.Errorf("reason is not Vietnamese: %q", reason)
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	isolate(t)
	r := runCLI(t, "--help")
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	for _, want := range []string{"lookup", "dossier", "config", "sandbox", "version", "demo", "Mã thoát: 0 thành công, 1 lỗi, 2 sai cú pháp lệnh"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help does not mention %q\n%s", want, r)
		}
	}
	r = runCLI(t, "lookup", "--help")
	if r.code != exitOK || !strings.Contains(r.stdout, "--operator") || !strings.Contains(r.stdout, "--purpose") {
		t.Errorf("lookup --help:\n%s", r)
	}
	r = runCLI(t, "version")
	if r.code != exitOK || strings.TrimSpace(r.stdout) != "motcua "+version {
		t.Errorf("version:\n%s", r)
	}
}

func TestLookupDemo(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	id := featuredID(t, "single")
	r := runCLI(t, "lookup", "--demo", "--data-dir", dir, "--operator", demo.OperatorID, "--purpose", "check", id, "--json")
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	var got struct {
		Resident *lookups.Resident `json:"resident"`
		Origin   lookups.Origin    `json:"origin"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r)
	}
	want, _ := sandbox.Default().Resident(id)
	if got.Resident == nil || got.Resident.Citizen.ID != id || got.Resident.Citizen.FullName != want.Citizen.FullName {
		t.Errorf("resident = %+v, want %s", got.Resident, id)
	}
	if got.Origin.Source != lookups.SourceDatabase || got.Origin.FetchedAt.IsZero() {
		t.Errorf("origin = %+v", got.Origin)
	}
	if strings.Contains(r.stderr, id) {
		t.Errorf("stderr holds the ID number:\n%s", r)
	}

	// The look-up went through the store: access log entry and cache.
	store, err := offline.UnlockWithKeyFile(dir, filepath.Join(dir, "demo.key"), offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := lookupEntries(store)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Operator != demo.OperatorID || log[0].Purpose != lookups.PurposeCheck ||
		log[0].Subject != store.SubjectRef(id) || log[0].Outcome != "ok" {
		t.Errorf("access log = %+v", log)
	}
	if _, _, ok, err := store.GetLookup(id, time.Hour); !ok || err != nil {
		t.Errorf("not cached: %v", err)
	}

	// Plain output, demo operator by default.
	r = runCLI(t, "lookup", "--demo", "--data-dir", dir, "--purpose", "check", id)
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	for _, s := range []string{"Nguồn: CSDL quốc gia về dân cư", "Họ, chữ đệm và tên", want.Citizen.FullName, "Tình trạng hôn nhân", "Thường trú"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("output lacks %q\n%s", s, r)
		}
	}
	if log, _ := lookupEntries(store); len(log) != 2 || log[1].Operator != demo.OperatorID {
		t.Errorf("access log after the default-operator look-up = %+v", log)
	}
}

func TestLookupDemoNotFound(t *testing.T) {
	t.Parallel()
	isolate(t)
	id := featuredID(t, "single")[:6] + "999999" // valid, beyond the population
	r := runCLI(t, "lookup", "--demo", "--data-dir", demoStore(t), "--purpose", "check", id, "--json")
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1\n%s", r.code, r)
	}
	if !strings.Contains(r.stderr, "Không có công dân mang số định danh này") {
		t.Errorf("stderr lacks the not-found message\n%s", r)
	}
	if r.stdout != "" {
		t.Errorf("stdout not empty\n%s", r)
	}
}

// receiveDemoDossier receives one marital-status dossier of the featured
// never-married person through the counter service, on the demo gateway and
// the data directory dir, at Monday 23/11/2026 10:00 in Ha Noi.
func receiveDemoDossier(t *testing.T, dir string) *forms.Dossier {
	t.Helper()
	env, err := demo.Start(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, time.November, 23, 10, 0, 0, 0, loc)
	clock := func() time.Time { return now }
	gw, err := gateway.New(gateway.Config{BaseURL: env.URL})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.UnlockWithKeyFile(dir, filepath.Join(dir, "demo.key"), offline.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	receipts := filepath.Join(dir, "receipts")
	if err := os.MkdirAll(receipts, 0o700); err != nil {
		t.Fatal(err)
	}
	a := env.Config.Agency
	svc, err := counter.New(counter.Config{
		Agency:  counter.Agency{Code: a.Code, Parent: a.Parent, Name: a.Name, Address: a.Address, Place: a.Place, ResultPlace: a.ResultPlace},
		Counter: env.Config.Counter, CutoffHour: 15, ReturnHour: 8,
	}, counter.Deps{Gateway: gw, Store: store, Printer: printing.NewFilePrinter(receipts), Calendar: calendar.Default(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	id := featuredID(t, "single")
	read, err := env.Station.Read(context.Background(), id, cardpkg.Key{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	card := read.Identity.Citizen
	res, origin, err := svc.Lookup(context.Background(), id, lookups.CallMeta{Operator: demo.OperatorID, Purpose: lookups.PurposeReception})
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := forms.Lookup("xac-nhan-tthn")
	in := svc.NewIntake(spec)
	decl := in.Declaration()
	if err := in.Fill(in.PrimarySlot(), forms.PersonData{Card: &card, CardSource: forms.SourceCard, Resident: res, Origin: origin}); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"purpose", "other"}, {"purpose_other", "Bổ sung hồ sơ vay vốn"}} {
		if err := decl.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	out, err := svc.Receive(context.Background(), decl, counter.Operator{ID: demo.OperatorID}, []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !out.Submitted || out.PrintErr != nil {
		t.Fatalf("outcome: submitted %v (%v), print %v", out.Submitted, out.SubmitErr, out.PrintErr)
	}
	return out.Dossier
}

func TestDossierListAndShow(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	r := runCLI(t, "dossier", "list", "--demo", "--data-dir", dir, "--json")
	if r.code != exitOK || strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("empty store: want []\n%s", r)
	}
	r = runCLI(t, "dossier", "list", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key"), "--state", "xyz")
	if r.code != exitUsage || !strings.Contains(r.stderr, `trạng thái "xyz" không có`) || !strings.Contains(r.stderr, "đã gửi") {
		t.Errorf("--state xyz: want a usage error listing the states\n%s", r)
	}
	r = runCLI(t, "dossier", "list", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key"))
	if r.code != exitOK || !strings.Contains(r.stdout, "Chưa có hồ sơ nào.") {
		t.Errorf("empty store, plain:\n%s", r)
	}

	d := receiveDemoDossier(t, dir)
	wantCode := "DEMO.00004-261123-010001"
	if d.Code != wantCode {
		t.Fatalf("code = %q, want %q", d.Code, wantCode)
	}

	r = runCLI(t, "dossier", "list", "--demo", "--data-dir", dir, "--json")
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	var list []offline.DossierInfo
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if len(list) != 1 || list[0].Code != wantCode || list[0].State != "submitted" || list[0].Service != "xac-nhan-tthn" {
		t.Errorf("list = %+v", list)
	}
	if strings.Contains(r.stdout, d.Subject.ID) || strings.Contains(r.stdout, d.Subject.FullName) {
		t.Errorf("dossier list holds personal data:\n%s", r)
	}
	for _, tc := range []struct {
		states string
		n      int
	}{{"submitted", 1}, {"queued", 0}, {"queued,submitted", 1}, {"đã gửi", 1}, {"cho gui lai", 0}} {
		r = runCLI(t, "dossier", "list", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key"), "--json", "--state", tc.states)
		var l []offline.DossierInfo
		if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &l) != nil || len(l) != tc.n {
			t.Errorf("--state %s: want %d dossiers\n%s", tc.states, tc.n, r)
		}
	}
	r = runCLI(t, "dossier", "list", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key"))
	if r.code != exitOK || !strings.Contains(r.stdout, "MÃ HỒ SƠ") || !strings.Contains(r.stdout, wantCode) || !strings.Contains(r.stdout, "đã gửi") {
		t.Errorf("plain list:\n%s", r)
	}

	r = runCLI(t, "dossier", "show", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key"), "--operator", demo.OperatorID, wantCode)
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	for _, s := range []string{
		"Mã hồ sơ:        " + wantCode + " (đã gửi)",
		"Thủ tục:         Cấp giấy xác nhận tình trạng hôn nhân (mẫu phiên bản " + d.SpecVersion + ")",
		"Công dân:        " + d.Subject.FullName + ", " + d.Subject.ID,
		"bởi " + demo.OperatorID,
		"Cư trú lấy từ:   Cơ sở dữ liệu quốc gia về dân cư (tra cứu trực tiếp)",
		"Tờ khai:", "Tình trạng hôn nhân", "Chưa đăng ký kết hôn với ai", "Bổ sung hồ sơ vay vốn", "[cán bộ nhập]", "[chip]", "[CSDL]",
		"Giấy tờ nhận:", "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (bản chính, 1)",
	} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("dossier show lacks %q\n%s", s, r)
		}
	}
	for _, english := range []string{"[clerk]", "[card]", "[database]", "[config]", "[default]", "(gateway)"} {
		if strings.Contains(r.stdout, english) {
			t.Errorf("dossier show has the English %q\n%s", english, r)
		}
	}
	store, err := offline.UnlockWithKeyFile(dir, filepath.Join(dir, "demo.key"), offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := store.AccessLog()
	if err != nil {
		t.Fatal(err)
	}
	if last := log[len(log)-1]; last.Action != offline.ActionView || last.Operator != demo.OperatorID || last.DossierCode != wantCode {
		t.Errorf("viewing was not logged: last entry %+v", last)
	}

	r = runCLI(t, "dossier", "show", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key"), "--operator", demo.OperatorID, "--json", wantCode)
	var shown forms.Dossier
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &shown) != nil || shown.Code != wantCode || shown.IdempotencyKey != d.IdempotencyKey {
		t.Errorf("show --json:\n%s", r)
	}

	r = runCLI(t, "dossier", "show", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key"), "--operator", demo.OperatorID, "DEMO.00004-261123-019999")
	if r.code != exitFailure || !strings.Contains(r.stderr, "Không tìm thấy hồ sơ DEMO.00004-261123-019999") {
		t.Errorf("missing code: want exit 1 with a message\n%s", r)
	}
}

// TestDossierShowUsesCounterTimeZone: times are shown in the counter's time
// zone (config timezone, default Asia/Ho_Chi_Minh), not the machine's.
func TestDossierShowUsesCounterTimeZone(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := demoStore(t)
	d := receiveDemoDossier(t, dir)
	r := runCLI(t, "dossier", "show", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key"), "--operator", demo.OperatorID, d.Code)
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	for _, s := range []string{"Tiếp nhận:       10:00 23/11/2026", "Hẹn trả:         08:00 27/11/2026"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("dossier show lacks %q (machine zone %s)\n%s", s, time.Local, r)
		}
	}
	r = runCLI(t, "dossier", "list", "--data-dir", dir, "--key-file", filepath.Join(dir, "demo.key"))
	if !strings.Contains(r.stdout, "10:00 23/11/2026") {
		t.Errorf("dossier list does not show the reception time in the counter's zone (machine zone %s)\n%s", time.Local, r)
	}
}

func TestConfigShow(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := t.TempDir()
	const token = "s3cr3t-t0ken-value"
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(`counter = 7
[agency]
code = "G01.00004"
parent = "UBND PHƯỜNG THỬ"
[gateway]
url = "http://127.0.0.1:1"
token = "`+token+`"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "config", "show", "--config", path, "--data-dir", dir)
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Errorf("config show prints the token\n%s", r)
	}
	for _, s := range []string{"# từ tệp " + path, "G01.00004", "UBND PHƯỜNG THỬ", "counter = 7", "***"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("config show lacks %q\n%s", s, r)
		}
	}

	t.Run("token from the environment", func(t *testing.T) {
		setenv(t, "MOTCUA_GATEWAY_TOKEN", token+"-env")
		r := runCLI(t, "config", "show", "--data-dir", dir)
		if r.code != exitOK || strings.Contains(r.stdout+r.stderr, token) || !strings.Contains(r.stdout, "***") {
			t.Errorf("token from the environment:\n%s", r)
		}
	})

	for name, content := range map[string]string{
		"syntax":       "counter = \n",
		"unknown type": "counter = \"one\"\n",
		"bad value":    "counter = 100\n",
		"bad zone":     "timezone = \"Mars/Olympus\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.toml")
			if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			r := runCLI(t, "config", "show", "--config", bad)
			if r.code != exitUsage || !strings.Contains(r.stderr, "Cấu hình không hợp lệ") {
				t.Errorf("want exit 2 with a message\n%s", r)
			}
		})
	}
	r = runCLI(t, "config", "show", "--config", filepath.Join(dir, "missing.toml"))
	if r.code != exitUsage {
		t.Errorf("missing explicit config file: want exit 2\n%s", r)
	}

	r = runCLI(t, "config", "path")
	if r.code != exitOK || !strings.Contains(r.stdout, "config: ") || !strings.Contains(r.stdout, "MOTCUA_GATEWAY_URL") {
		t.Errorf("config path:\n%s", r)
	}
}

func TestSandboxPersons(t *testing.T) {
	t.Parallel()
	isolate(t)
	r := runCLI(t, "sandbox", "persons", "--json")
	if r.code != exitOK {
		t.Fatalf("%s", r)
	}
	var rows []struct{ ID, Name, Kind, Note string }
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	feat := sandbox.Featured()
	if len(rows) != len(feat) || len(rows) == 0 {
		t.Fatalf("%d rows, want %d", len(rows), len(feat))
	}
	for i, f := range feat {
		res, _ := sandbox.Default().Resident(f.ID)
		if rows[i].ID != f.ID || rows[i].Kind != f.Kind || rows[i].Note != f.Note || rows[i].Name != res.Citizen.FullName {
			t.Errorf("row %d = %+v, want %+v (%s)", i, rows[i], f, res.Citizen.FullName)
		}
	}
	r = runCLI(t, "sandbox", "persons")
	if r.code != exitOK || !strings.Contains(r.stdout, "SỐ ĐỊNH DANH") || !strings.Contains(r.stdout, feat[0].ID) {
		t.Errorf("plain:\n%s", r)
	}
}

// The counter lock belongs to the TUI: scripted commands run while it is held.
func TestCommandsRunWhileCounterLocked(t *testing.T) {
	t.Parallel()
	isolate(t)
	dir := t.TempDir()
	lock, err := offline.LockCounter(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := lock.Release(); err != nil {
			t.Error(err)
		}
	}()
	if _, err := offline.LockCounter(dir); err == nil {
		t.Fatal("the counter lock is not held")
	}
	r := runCLI(t, "dossier", "list", "--demo", "--data-dir", dir)
	if r.code != exitOK {
		t.Errorf("dossier list while the counter is open:\n%s", r)
	}
	r = runCLI(t, "lookup", "--demo", "--data-dir", dir, "--operator", demo.OperatorID, "--purpose", "reception", featuredID(t, "married"), "--json")
	if r.code != exitOK || !strings.Contains(r.stdout, `"resident"`) {
		t.Errorf("lookup while the counter is open:\n%s", r)
	}
}

// lookupEntries is the access log without the store's own administration
// entries (creating the demo store, its operators and key file).
func lookupEntries(s *offline.Store) ([]offline.AccessEntry, error) {
	all, err := s.AccessLog()
	var out []offline.AccessEntry
	for _, e := range all {
		if e.Action == offline.ActionLookup {
			out = append(out, e)
		}
	}
	return out, err
}

// demoPassphrases creates the demo store of dir if needed and returns the passphrases it
// gave its operators (demo-operators.txt).
func demoPassphrases(t *testing.T, dir string) map[string]string {
	t.Helper()
	if r := runCLI(t, "dossier", "list", "--demo", "--data-dir", dir); r.code != exitOK {
		t.Fatalf("creating the demo store: %s", r)
	}
	creds, err := os.ReadFile(filepath.Join(dir, "demo-operators.txt"))
	if err != nil {
		t.Fatal(err)
	}
	pass := map[string]string{}
	for _, l := range strings.Split(string(creds), "\n") {
		f := strings.Split(l, "\t")
		if len(f) == 4 && strings.HasPrefix(f[3], "passphrase: ") {
			pass[f[0]] = strings.TrimPrefix(f[3], "passphrase: ")
		}
	}
	if pass[demo.OperatorID] == "" || pass[demo.VolunteerID] == "" {
		t.Fatalf("demo-operators.txt does not list both demo operators")
	}
	return pass
}

// asDemoOperator makes the commands of the test log in to the demo store of dir as id
// with its passphrase (MOTCUA_OPERATOR, MOTCUA_PASSPHRASE) instead of the demo's key file.
func asDemoOperator(t *testing.T, dir, id string) {
	t.Helper()
	pass := demoPassphrases(t, dir)
	setenv(t, "MOTCUA_OPERATOR", id)
	setenv(t, "MOTCUA_PASSPHRASE", pass[id])
}
