package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/lookups"
	"motcua/lookups/sandbox"
	"motcua/offline"
)

// rightsKDF keeps the many passphrase log-ins of the role x command table cheap; the
// operators' records carry it, so the real commands use it.
var rightsKDF = offline.KDFParams{Time: 1, MemoryKiB: 256, Threads: 1}

// rightsEnv is a real configuration (not the demo): an encrypted store with a supervisor,
// a clerk and a volunteer, key files of the roles the table needs, a sandbox gateway on
// loopback, and one received dossier and one draft of the supervisor's to act on.
type rightsEnv struct {
	dir, cfg, work string
	srv            *sandbox.Server
	// dossiers for the life's steps: one whose result is ready (hand-over), and three the
	// agencies keep processing (stop, apology, withdrawal)
	ready, toStop, toExtend, toWithdraw string
	pass                                map[string]string
	keys                                map[string]string // role → key file
	code                                string            // a received dossier
	person                              string            // the ID looked up
	ethnicity                           string            // the person's ethnicity in the database
}

func newRightsEnv(t *testing.T) *rightsEnv {
	t.Helper()
	isolate(t)
	useKDF(t, rightsKDF)
	srv := sandbox.NewServer(sandbox.Default(), sandbox.Options{Workflow: &sandbox.Workflow{OnTime: 1, Span: 50 * time.Millisecond}})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	e := &rightsEnv{dir: t.TempDir(), work: t.TempDir(), keys: map[string]string{},
		pass: map[string]string{"gs01": "mật khẩu giám sát 01", "cb01": "mật khẩu cán bộ 01", "tn01": "mật khẩu tình nguyện 01"}}
	e.cfg = filepath.Join(e.work, "config.toml")
	if err := os.WriteFile(e.cfg, []byte(fmt.Sprintf(`counter = 1
[agency]
code = "G01.00004"
parent = "UBND PHƯỜNG THỬ QUYỀN"
name = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
place = "Phường Thử Quyền"
[gateway]
url = %q
timeout = "5s"
[limits]
lock_wait = "20s"
`, url)), 0o600); err != nil {
		t.Fatal(err)
	}
	opt := offline.Options{KDF: rightsKDF}
	st, err := offline.Init(e.dir, offline.Operator{ID: "gs01", Name: "Giám sát Thử", Role: offline.RoleSupervisor}, e.pass["gs01"], opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []offline.Operator{{ID: "cb01", Name: "Cán bộ Thử", Role: offline.RoleClerk}, {ID: "tn01", Name: "Tình nguyện Thử", Role: offline.RoleVolunteer}} {
		if err := st.AddOperator(o, e.pass[o.ID]); err != nil {
			t.Fatal(err)
		}
	}
	for _, role := range []string{offline.KeyRoleSync, offline.KeyRoleReception, offline.KeyRoleClerk} {
		e.keys[role] = filepath.Join(e.work, role+".key")
		if _, err := st.ExportKeyFile(e.keys[role], role); err != nil {
			t.Fatal(err)
		}
	}
	// a draft of the supervisor's
	spec, _ := forms.Lookup("xac-nhan-tthn")
	blob, err := forms.NewDeclaration(spec, forms.Env{Agency: "UBND", Now: time.Now()}).MarshalDraft()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutDraft(offline.DraftInfo{ID: "d-gs01", Service: spec.ID, Operator: "gs01"}, blob); err != nil {
		t.Fatal(err)
	}
	e.person = featuredID(t, "married")
	res, _ := sandbox.Default().Resident(e.person)
	e.ethnicity = res.Citizen.Ethnicity
	if e.ethnicity == "" {
		t.Fatal("the featured person has no ethnicity to withhold")
	}
	// one dossier, received by the supervisor through the command
	r := e.run(t, principal{name: "gs01", env: map[string]string{"MOTCUA_OPERATOR": "gs01", "MOTCUA_PASSPHRASE": e.pass["gs01"]}},
		"dossier", "submit", e.submitFile(t))
	if r.code != exitOK {
		t.Fatalf("the supervisor's dossier: %s", r)
	}
	e.code = strings.TrimSpace(r.stdout)
	e.srv, e.ready = srv, e.code
	for _, dst := range []*string{&e.toStop, &e.toExtend, &e.toWithdraw} {
		r := e.run(t, principal{name: "gs01", env: map[string]string{"MOTCUA_OPERATOR": "gs01", "MOTCUA_PASSPHRASE": e.pass["gs01"]}},
			"dossier", "submit", e.submitFile(t))
		if r.code != exitOK {
			t.Fatalf("a dossier to act on: %s", r)
		}
		*dst = strings.TrimSpace(r.stdout)
		if err := srv.ForceOutcome(*dst, sandbox.OutcomeLate); err != nil { // processed until days after today
			t.Fatal(err)
		}
	}
	return e
}

func (e *rightsEnv) submitFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(e.work, "to-khai.json")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	decl := fmt.Sprintf(`{"service": "xac-nhan-tthn", "persons": {"subject": {"id": %q}},
 "values": {"purpose": "other", "purpose_other": "Thử quyền"}}`, featuredID(t, "single"))
	if err := os.WriteFile(p, []byte(decl), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// principal is how a command is run: environment variables and extra flags.
type principal struct {
	name  string
	env   map[string]string
	flags []string
	id    string // the operator named (for the passphrase commands)
}

func (e *rightsEnv) operator(id string) principal {
	return principal{name: id, id: id, env: map[string]string{"MOTCUA_OPERATOR": id, "MOTCUA_PASSPHRASE": e.pass[id]}}
}

func (e *rightsEnv) keyFile(role, id string) principal {
	p := principal{name: "key " + role, flags: []string{"--key-file", e.keys[role]}, id: id, env: map[string]string{}}
	if id != "" {
		p.name += " for " + id
		p.flags = append(p.flags, "--operator", id)
	}
	return p
}

func (e *rightsEnv) run(t *testing.T, p principal, args ...string) result {
	t.Helper()
	for _, k := range []string{"MOTCUA_OPERATOR", "MOTCUA_PASSPHRASE", "MOTCUA_NEW_PASSPHRASE"} {
		setenv(t, k, p.env[k])
	}
	return runCLI(t, append(append([]string{"--config", e.cfg, "--data-dir", e.dir}, p.flags...), args...)...)
}

// supervisorStore opens the store as the supervisor, to look at what a command left.
func (e *rightsEnv) supervisorStore(t *testing.T) *offline.Store {
	t.Helper()
	st, _, err := offline.Unlock(e.dir, "gs01", e.pass["gs01"], offline.Options{KDF: rightsKDF})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// refused reports whether a command was refused for want of a right (exit 1 and the
// rights message), and fails the test on any other failure.
func refusedRun(t *testing.T, what string, r result) bool {
	t.Helper()
	refusal := strings.Contains(r.stderr, "cần quyền") || strings.Contains(r.stderr, "không làm được bằng tệp khóa") ||
		strings.Contains(r.stderr, "Tình nguyện viên chỉ chuẩn bị tờ khai")
	switch {
	case refusal && r.code == exitFailure:
		return true
	case !refusal && (r.code == exitOK || r.code == exitPartial):
		return false
	}
	t.Errorf("%s: neither done nor refused for want of a right:\n%s", what, r)
	return true
}

// actFor runs a command that names its operator (a key file acts for gs01 when it names
// none) and says whether it was done.
func actFor(t *testing.T, e *rightsEnv, p principal, args ...string) bool {
	t.Helper()
	if p.id == "" && p.env["MOTCUA_OPERATOR"] == "" {
		args = append(args, "--operator", "gs01")
	}
	return !refusedRun(t, p.name+" / "+strings.Join(args[:2], " "), e.run(t, p, args...))
}

// TestRightsCommands runs the real commands as every kind of operator and key file and
// compares what was done with the roles of the README, written out here by hand. It is
// the proof that a key file no longer acts as a supervisor and that a volunteer's limits
// hold outside the counter screen.
func TestRightsCommands(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs every command for eight principals")
	}
	e := newRightsEnv(t)
	recIn, _ := reconcileInput(t, e.work)
	batchIn := filepath.Join(e.work, "batch.csv")
	if err := os.WriteFile(batchIn, []byte("subject.id,purpose,purpose_other\n"+featuredID(t, "single")+",other,Thử quyền hàng loạt\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n := 0
	fresh := func(name string) string { n++; return filepath.Join(e.work, fmt.Sprintf("%d-%s", n, name)) }

	type command struct {
		name string
		// run runs the command as p and says whether it was done (false: refused).
		run func(t *testing.T, p principal) bool
	}
	simple := func(name string, args ...string) command {
		return command{name, func(t *testing.T, p principal) bool {
			return !refusedRun(t, p.name+" / "+name, e.run(t, p, args...))
		}}
	}
	lookup := func(t *testing.T, p principal) (result, bool) {
		args := []string{"lookup", "--purpose", "check", "--json", e.person}
		if p.id == "" && p.env["MOTCUA_OPERATOR"] == "" {
			args = append(args, "--operator", "gs01") // lookup names its operator; a key file acts for them
		}
		r := e.run(t, p, args...)
		return r, !refusedRun(t, p.name+" / lookup", r)
	}
	commands := []command{
		{"lookup", func(t *testing.T, p principal) bool { _, ok := lookup(t, p); return ok }},
		{"lookup-shows-ethnicity", func(t *testing.T, p principal) bool {
			r, ok := lookup(t, p)
			if !ok {
				return false
			}
			var out struct {
				Resident lookups.Resident `json:"resident"`
				Origin   lookups.Origin   `json:"origin"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("%s: lookup output: %v\n%s", p.name, err, r)
			}
			if out.Resident.Citizen.Ethnicity == "" && !out.Origin.Masked {
				t.Errorf("%s: ethnicity withheld without saying so", p.name)
			}
			return out.Resident.Citizen.Ethnicity == e.ethnicity
		}},
		{"lookup-leaves-cache", func(t *testing.T, p principal) bool {
			if _, err := e.supervisorStore(t).PurgeLookups(); err != nil {
				t.Fatal(err)
			}
			if _, ok := lookup(t, p); !ok {
				return false
			}
			st, err := e.supervisorStore(t).CacheStats(time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return st.Entries > 0
		}},
		simple("dossier-submit", "dossier", "submit", e.submitFile(t)),
		simple("batch-run", "batch", "run", "--service", "xac-nhan-tthn", "--in", batchIn, "--dry-run"),
		{"reconcile", func(t *testing.T, p principal) bool {
			return !refusedRun(t, p.name+" / reconcile", e.run(t, p, "reconcile", "--in", recIn, "--out", fresh("kq.csv")))
		}},
		simple("dossier-list", "dossier", "list"),
		{"dossier-show", func(t *testing.T, p principal) bool {
			args := []string{"dossier", "show", e.code}
			if p.id == "" && p.env["MOTCUA_OPERATOR"] == "" {
				args = append(args, "--operator", "gs01")
			}
			r := e.run(t, p, args...)
			done := !refusedRun(t, p.name+" / dossier show", r)
			if !done && strings.Contains(r.stdout+r.stderr, featuredID(t, "single")) {
				t.Errorf("%s: a refused dossier show printed the ID number", p.name)
			}
			return done
		}},
		{"receipt-reprint", func(t *testing.T, p principal) bool {
			args := []string{"receipt", "reprint", e.code, "--out", fresh("bien-nhan.pdf")}
			if p.id == "" && p.env["MOTCUA_OPERATOR"] == "" {
				args = append(args, "--operator", "gs01")
			}
			return !refusedRun(t, p.name+" / receipt reprint", e.run(t, p, args...))
		}},
		simple("queue-list", "queue", "list"),
		simple("queue-sync", "queue", "sync"),
		simple("draft-list", "draft", "list"),
		{"draft-export-others", func(t *testing.T, p principal) bool {
			args := []string{"draft", "export", "d-gs01", fresh("ban-giao.bin"), "--keep"}
			if p.id == "" && p.env["MOTCUA_OPERATOR"] == "" {
				args = append(args, "--operator", "gs01")
			}
			return !refusedRun(t, p.name+" / draft export", e.run(t, p, args...))
		}},
		simple("cache-stats", "cache", "stats"),
		simple("cache-sweep", "cache", "purge", "--expired"),
		{"cache-purge-all", func(t *testing.T, p principal) bool {
			// a clerk's cached look-up: is it still there afterwards?
			st := e.supervisorStore(t)
			if err := st.PutLookup(e.person, []byte(`{}`), time.Now()); err != nil {
				t.Fatal(err)
			}
			done := !refusedRun(t, p.name+" / cache purge", e.run(t, p, "cache", "purge"))
			_, _, kept, err := st.GetLookup(e.person, time.Hour)
			if err != nil || kept == done {
				t.Errorf("%s: cache purge done %v, the cached look-up kept %v (%v)", p.name, done, kept, err)
			}
			return done
		}},
		simple("operator-list", "operator", "list"),
		{"operator-add-supervisor", func(t *testing.T, p principal) bool {
			p.env["MOTCUA_NEW_PASSPHRASE"] = "mật khẩu kẻ xấu"
			id := fmt.Sprintf("evil%d", n)
			n++
			done := !refusedRun(t, p.name+" / operator add", e.run(t, p, "operator", "add", id, "--name", "Kẻ Xấu", "--role", "supervisor"))
			ops, err := e.supervisorStore(t).Operators()
			if err != nil {
				t.Fatal(err)
			}
			if added := slices.ContainsFunc(ops, func(o offline.Operator) bool { return o.ID == id }); added != done {
				t.Errorf("%s: operator add done %v, operator there %v", p.name, done, added)
			}
			return done
		}},
		{"own-passphrase", func(t *testing.T, p principal) bool {
			p.env["MOTCUA_NEW_PASSPHRASE"] = e.pass[p.id] // the same again: later commands still log in
			if p.id == "" {
				p.env["MOTCUA_NEW_PASSPHRASE"] = "mật khẩu mới dài"
			}
			return !refusedRun(t, p.name+" / operator passphrase", e.run(t, p, "operator", "passphrase"))
		}},
		{"other-passphrase", func(t *testing.T, p principal) bool {
			p.env["MOTCUA_NEW_PASSPHRASE"] = e.pass["cb01"]
			target := "cb01"
			if p.id == "cb01" {
				target, p.env["MOTCUA_NEW_PASSPHRASE"] = "tn01", e.pass["tn01"]
			}
			return !refusedRun(t, p.name+" / operator passphrase "+target, e.run(t, p, "operator", "passphrase", target))
		}},
		{"key-file-make", func(t *testing.T, p principal) bool {
			return !refusedRun(t, p.name+" / operator keyfile", e.run(t, p, "operator", "keyfile", fresh("moi.key"), "--role", "sync"))
		}},
		simple("key-file-list", "operator", "keyfiles"),
		simple("audit-verify", "audit", "verify"),
		{"audit-export", func(t *testing.T, p principal) bool {
			return !refusedRun(t, p.name+" / audit export", e.run(t, p, "audit", "export", "--out", fresh("nhat-ky.jsonl")))
		}},
		// the dossier's life: a rerun of a step done before returns the first (exit 0)
		{"dossier-status", func(t *testing.T, p principal) bool { return actFor(t, e, p, "dossier", "status", e.code) }},
		simple("dossier-late", "dossier", "late"),
		{"book-export", func(t *testing.T, p principal) bool {
			today := time.Now()
			return actFor(t, e, p, "book", "export", "--from", today.AddDate(0, 0, -1).Format("02/01/2006"),
				"--to", today.AddDate(0, 0, 1).Format("02/01/2006"), "--out", fresh("so.xlsx"))
		}},
		{"book-export-pdf", func(t *testing.T, p principal) bool {
			today := time.Now()
			return actFor(t, e, p, "book", "export", "--from", today.AddDate(0, 0, -1).Format("02/01/2006"),
				"--to", today.AddDate(0, 0, 1).Format("02/01/2006"), "--out", fresh("so.pdf"))
		}},
		{"dossier-supplement", func(t *testing.T, p principal) bool {
			return actFor(t, e, p, "dossier", "supplement", "--draft", "d-gs01", "--item", "Giấy tờ thử|Thiếu bản sao|Nộp bản sao")
		}},
		{"dossier-refuse", func(t *testing.T, p principal) bool {
			return actFor(t, e, p, "dossier", "refuse", "--draft", "d-gs01", "--reason", "da-co-ket-qua", "--keep-draft")
		}},
		{"dossier-stop", func(t *testing.T, p principal) bool {
			return actFor(t, e, p, "dossier", "stop", e.toStop, "--reason", "Thử quyền dừng")
		}},
		{"dossier-extend", func(t *testing.T, p principal) bool {
			return actFor(t, e, p, "dossier", "extend", e.toExtend, "--to", time.Now().AddDate(0, 2, 0).Format("02/01/2006"), "--reason", "Thử quyền hẹn lại")
		}},
		{"dossier-withdraw", func(t *testing.T, p principal) bool { return actFor(t, e, p, "dossier", "withdraw", e.toWithdraw) }},
		{"dossier-return", func(t *testing.T, p principal) bool {
			return actFor(t, e, p, "dossier", "return", e.ready, "--receiver", featuredID(t, "single"))
		}},
	}

	// Written out by hand, from the README's roles: what each principal may do.
	clerk := "lookup lookup-shows-ethnicity lookup-leaves-cache dossier-submit batch-run dossier-list dossier-show " +
		"receipt-reprint queue-list queue-sync draft-list draft-export-others cache-stats cache-sweep cache-purge-all " +
		"operator-list own-passphrase audit-verify dossier-status dossier-late book-export book-export-pdf dossier-supplement dossier-refuse " +
		"dossier-stop dossier-extend dossier-withdraw dossier-return"
	volunteer := "lookup dossier-list queue-list queue-sync draft-list cache-stats cache-sweep operator-list own-passphrase audit-verify"
	sync := "dossier-list queue-list queue-sync cache-sweep audit-verify"
	reception := "lookup lookup-shows-ethnicity lookup-leaves-cache dossier-submit batch-run dossier-list queue-list cache-sweep audit-verify"
	var every []string
	for _, c := range commands {
		every = append(every, c.name)
	}
	table := []struct {
		p       principal
		allowed string
	}{
		{e.operator("gs01"), strings.Join(every, " ")},
		{e.operator("cb01"), clerk},
		{e.operator("tn01"), volunteer},
		{e.keyFile(offline.KeyRoleSync, ""), sync},
		{e.keyFile(offline.KeyRoleSync, "gs01"), sync}, // the issue: a key file acted as any operator
		{e.keyFile(offline.KeyRoleReception, "cb01"), reception},
		{e.keyFile(offline.KeyRoleClerk, "gs01"), strings.Replace(clerk, " own-passphrase", "", 1)}, // the demo's key file
		{e.keyFile(offline.KeyRoleClerk, "tn01"), strings.Replace(volunteer, " own-passphrase", "", 1)},
	}
	for _, row := range table {
		allowed := strings.Fields(row.allowed)
		for _, c := range commands {
			if got, want := c.run(t, row.p), slices.Contains(allowed, c.name); got != want {
				t.Errorf("%s / %s: done %v, want %v", row.p.name, c.name, got, want)
			}
		}
	}
}
