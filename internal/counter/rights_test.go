package counter_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// rightsFixture is an encrypted store with a supervisor, a clerk and a volunteer, a key file
// of every role, and the sandbox gateway: each principal unlocks its own Store of the same
// directory, as separate processes would.
type rightsFixture struct {
	t        *testing.T
	dir      string
	url      string
	clk      *clock
	pass     map[string]string
	keyFiles map[string]string // role → path
	printer  *printing.FilePrinter
	sup      *counter.Service // the supervisor's, to prepare what the others act on
}

var rightsKDF = offline.KDFParams{Time: 1, MemoryKiB: 256, Threads: 1}

func newRightsFixture(t *testing.T) *rightsFixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, time.November, 23, 10, 0, 0, 0, hcm(t))}
	srv := sandbox.NewServer(sandbox.Default(), sandbox.Options{Clock: clk.Now})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	f := &rightsFixture{t: t, dir: t.TempDir(), url: url, clk: clk, keyFiles: map[string]string{},
		pass:    map[string]string{"gs01": "mật khẩu giám sát", "cb01": "mật khẩu cán bộ", "tn01": "mật khẩu tình nguyện"},
		printer: printing.NewFilePrinter(t.TempDir())}
	st, err := offline.Init(f.dir, offline.Operator{ID: "gs01", Name: "Giám sát", Role: offline.RoleSupervisor}, f.pass["gs01"], f.opt())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []offline.Operator{{ID: "cb01", Name: "Cán bộ", Role: offline.RoleClerk}, {ID: "tn01", Name: "Tình nguyện", Role: offline.RoleVolunteer}} {
		if err := st.AddOperator(o, f.pass[o.ID]); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range offline.KeyRoles {
		f.keyFiles[r] = filepath.Join(t.TempDir(), "k.key")
		if _, err := st.ExportKeyFile(f.keyFiles[r], r); err != nil {
			t.Fatal(err)
		}
	}
	f.sup = f.service(st)
	return f
}

func (f *rightsFixture) opt() offline.Options {
	return offline.Options{KDF: rightsKDF, Clock: f.clk.Now, LockWait: 20 * time.Second}
}

func (f *rightsFixture) service(st *offline.Store) *counter.Service {
	f.t.Helper()
	gw, err := gateway.New(gateway.Config{BaseURL: f.url, Timeout: 5 * time.Second})
	if err != nil {
		f.t.Fatal(err)
	}
	svc, err := counter.New(counter.Config{Agency: counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM", Name: "BỘ PHẬN",
		Place: "Phường Thử Nghiệm"}, Counter: 1, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8},
		counter.Deps{Gateway: gw, Store: st, Printer: f.printer, Calendar: calendar.Default(), Clock: f.clk.Now})
	if err != nil {
		f.t.Fatal(err)
	}
	return svc
}

// principal is who acts: a Service unlocked as them, and the Operator a front end passes.
type principal struct {
	name string
	svc  *counter.Service
	op   counter.Operator
}

func (f *rightsFixture) asOperator(id string) principal {
	f.t.Helper()
	st, _, err := offline.Unlock(f.dir, id, f.pass[id], f.opt())
	if err != nil {
		f.t.Fatal(err)
	}
	svc := f.service(st)
	op, err := svc.Who(id)
	if err != nil {
		f.t.Fatal(err)
	}
	return principal{name: id, svc: svc, op: op}
}

// asKeyFile: the key file of role, acting for the operator id ("" for none).
func (f *rightsFixture) asKeyFile(role, id string) principal {
	f.t.Helper()
	st, err := offline.UnlockWithKeyFile(f.dir, f.keyFiles[role], f.opt())
	if err != nil {
		f.t.Fatal(err)
	}
	svc := f.service(st)
	op, err := svc.Who(id)
	if err != nil {
		f.t.Fatal(err)
	}
	name := "key " + role
	if id != "" {
		name += " for " + id
	}
	return principal{name: name, svc: svc, op: op}
}

// receivable is a complete declaration of the featured never-married person.
func (f *rightsFixture) receivable() *forms.Declaration {
	f.t.Helper()
	id := featured(f.t, "single")
	res, origin, err := f.sup.Lookup(context.Background(), id, lookups.CallMeta{Operator: "gs01", Purpose: lookups.PurposeReception})
	if err != nil {
		f.t.Fatal(err)
	}
	spec, _ := forms.Lookup("xac-nhan-tthn")
	card, _ := sandbox.Default().Card(id)
	decl, err := prefillWithCard(f.sup, spec, &card, "card", res, origin)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, kv := range [][2]string{{"purpose", "other"}, {"purpose_other", "Thử quyền"}} {
		if err := decl.Set(kv[0], kv[1]); err != nil {
			f.t.Fatal(err)
		}
	}
	return decl
}

// TestRightsTable runs every use case as every kind of principal and compares what was
// allowed with the table of the README's roles paragraph, written out here by hand.
func TestRightsTable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every use case for ten principals")
	}
	f := newRightsFixture(t)
	ctx := context.Background()
	decl := f.receivable()
	first, err := f.sup.Receive(ctx, decl, counter.Operator{ID: "gs01"}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	code := first.Dossier.Code
	blob, err := decl.MarshalDraft()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sup.SaveDraft(ctx, counter.DraftSave{ID: "draft-gs01", Service: "xac-nhan-tthn", Blob: blob, Step: "form"}, counter.Operator{ID: "gs01"}); err != nil {
		t.Fatal(err)
	}
	person := featured(t, "married")
	n := 0

	type useCase struct {
		name string
		run  func(p principal) error
	}
	cases := []useCase{
		{"lookup", func(p principal) error {
			_, _, err := p.svc.Lookup(ctx, person, lookups.CallMeta{Operator: p.op.ID, Purpose: lookups.PurposeCheck})
			return err
		}},
		{"see-ethnicity", func(p principal) error {
			res, origin, err := p.svc.Lookup(ctx, person, lookups.CallMeta{Operator: p.op.ID, Purpose: lookups.PurposeCheck})
			if err != nil {
				return err
			}
			if res.Citizen.Ethnicity == "" {
				if !origin.Masked {
					return errors.New("ethnicity empty but not said to be masked")
				}
				return counter.ErrForbidden
			}
			return nil
		}},
		{"leave-cache", func(p principal) error {
			if _, _, _, err := f.sup.PurgeCache(counter.Operator{ID: "gs01"}, false, 0); err != nil {
				return err
			}
			if _, _, err := p.svc.Lookup(ctx, person, lookups.CallMeta{Operator: p.op.ID, Purpose: lookups.PurposeCheck}); err != nil {
				return err
			}
			st, err := f.sup.CacheStats(counter.Operator{ID: "gs01"}, time.Hour)
			if err != nil || st.Entries == 0 {
				return errors.Join(err, counter.ErrForbidden)
			}
			return nil
		}},
		{"receive", func(p principal) error {
			d, err := decl.Clone()
			if err != nil {
				return err
			}
			_, err = p.svc.Receive(ctx, d, p.op, nil, "")
			return err
		}},
		{"batch-run", func(p principal) error { return p.svc.Allow(p.op, counter.ActBatchRun) }},
		{"reconcile", func(p principal) error { return p.svc.Allow(p.op, counter.ActReconcile) }},
		{"card-read", func(p principal) error { return p.svc.Allow(p.op, counter.ActCardRead) }},
		{"dossier-list", func(p principal) error { _, err := p.svc.Dossiers(p.op, offline.DossierFilter{}); return err }},
		{"dossier-show", func(p principal) error { _, err := p.svc.Dossier(p.op, code); return err }},
		{"receipt-pdf", func(p principal) error { _, err := p.svc.ReceiptPDF(p.op, code); return err }},
		{"receipt-reprint", func(p principal) error { _, err := p.svc.Reprint(ctx, code, p.op); return err }},
		{"queue-list", func(p principal) error { _, err := p.svc.Outbox(p.op); return err }},
		{"queue-sync", func(p principal) error { _, err := p.svc.Drain(ctx, 0); return err }},
		{"print-retry", func(p principal) error { _, _, err := p.svc.RetryPrints(ctx, p.op.ID); return err }},
		{"draft-own", func(p principal) error {
			n++
			return p.svc.SaveDraft(ctx, counter.DraftSave{ID: fmt.Sprintf("own-%d", n), Service: "xac-nhan-tthn", Blob: blob, Step: "form"}, p.op)
		}},
		{"draft-others", func(p principal) error {
			if _, _, err := p.svc.Draft(p.op, "draft-gs01"); err != nil {
				return err
			}
			list, err := p.svc.DraftList(p.op)
			if err == nil && !slices.ContainsFunc(list, func(d offline.DraftInfo) bool { return d.ID == "draft-gs01" }) {
				return errors.New("the draft opens but is not listed")
			}
			return err
		}},
		{"draft-import", func(p principal) error { _, err := p.svc.ImportDraft(p.op, "xac-nhan-tthn", blob); return err }},
		{"cache-stats", func(p principal) error { _, err := p.svc.CacheStats(p.op, time.Hour); return err }},
		{"cache-sweep", func(p principal) error { _, _, _, err := p.svc.PurgeCache(p.op, true, time.Hour); return err }},
		{"cache-purge", func(p principal) error { _, _, _, err := p.svc.PurgeCache(p.op, false, 0); return err }},
		{"operator-list", func(p principal) error { _, err := p.svc.Operators(p.op); return err }},
		{"operator-add", func(p principal) error {
			n++
			return p.svc.AddOperator(p.op, offline.Operator{ID: fmt.Sprintf("evil%d", n), Name: "Evil", Role: offline.RoleSupervisor}, "mật khẩu kẻ xấu")
		}},
		{"own-passphrase", func(p principal) error { return p.svc.ChangePassphrase(p.op, p.op.ID, f.pass[p.op.ID]) }},
		{"other-passphrase", func(p principal) error {
			other := "gs01"
			if p.op.ID == "gs01" {
				other = "cb01"
			}
			return p.svc.ChangePassphrase(p.op, other, f.pass[other])
		}},
		{"key-file-make", func(p principal) error {
			_, err := p.svc.ExportKeyFile(p.op, filepath.Join(t.TempDir(), "new.key"), offline.KeyRoleSync)
			return err
		}},
		{"key-file-list", func(p principal) error { _, err := p.svc.KeyFiles(p.op); return err }},
		{"audit-verify", func(p principal) error { _, err := p.svc.VerifyAudit(p.op); return err }},
		{"audit-export", func(p principal) error {
			_, err := p.svc.ExportAudit(p.op, io.Discard, time.Time{}, time.Time{})
			return err
		}},
		// the dossier's life: each use case is given what it refuses after the rights check
		// (nothing changes), so that only the right decides
		{"dossier-status", func(p principal) error { _, err := p.svc.DossierStatus(ctx, p.op, code, false); return err }},
		{"late-watch", func(p principal) error { _, err := p.svc.LateWatch(p.op, counter.LateWatchOptions{}); return err }},
		{"book", func(p principal) error { _, err := p.svc.Book(ctx, p.op, counter.BookFilter{}); return err }},
		{"report", func(p principal) error { return p.svc.Allow(p.op, counter.ActReport) }},
		{"supplement", func(p principal) error {
			_, err := p.svc.AskSupplement(ctx, p.op, counter.SupplementRequest{DraftID: "draft-gs01"})
			return unless(err, counter.ErrSlip)
		}},
		{"refuse", func(p principal) error {
			_, err := p.svc.Refuse(ctx, p.op, counter.RefusalRequest{})
			return unless(err, counter.ErrSlip)
		}},
		// printing a slip, a control sheet: the rights of making the slip, of reprinting
		{"supplement", func(p principal) error {
			_, err := p.svc.PrintSlip(ctx, p.op, agencyCode+"-261123-BS019999")
			return unless(err, offline.ErrNotFound)
		}},
		{"receipt-reprint", func(p principal) error { _, err := p.svc.PrintControlSheet(ctx, p.op, code); return err }},
		{"extend", func(p principal) error {
			_, err := p.svc.Extend(ctx, p.op, code, "", first.Dossier.ReceivedAt.Add(-time.Hour), "Chậm", counter.StepOptions{})
			return unless(err, lifecycle.ErrChange)
		}},
		{"stop", func(p principal) error {
			_, err := p.svc.Stop(ctx, p.op, code, "", "", counter.StepOptions{})
			return unless(err, lifecycle.ErrChange)
		}},
		{"withdraw", func(p principal) error {
			_, err := p.svc.Withdraw(ctx, p.op, agencyCode+"-261123-019999", "", counter.StepOptions{})
			return unless(err, offline.ErrNotFound)
		}},
		{"return", func(p principal) error {
			_, err := p.svc.HandOver(ctx, p.op, counter.HandOverRequest{Code: code, Receiver: lifecycle.Receiver{ID: "1"}})
			return unless(err, counter.ErrNotCollector)
		}},
		{"rate", func(p principal) error {
			_, err := p.svc.Rate(ctx, p.op, code, lifecycle.Rating{}, counter.StepOptions{})
			return unless(err, forms.ErrRating)
		}},
		{"certify", func(p principal) error {
			_, err := p.svc.CertifyCopies(ctx, p.op, counter.CopyRequest{Requester: counter.CopyRequester{ID: person, Name: "Trần Thị Thử", Source: "typed"},
				Originals: []counter.CopyOriginal{{Document: "Bằng tốt nghiệp", Pages: 2, Copies: 1}}})
			return err
		}},
		{"cert-register", func(p principal) error {
			_, err := p.svc.CertRegister(p.op, counter.CertRegisterFilter{Year: 2026})
			return err
		}},
	}

	// Written out by hand (not read from the rights table): what each principal may do.
	clerk := "lookup see-ethnicity leave-cache receive batch-run card-read dossier-list dossier-show receipt-pdf receipt-reprint " +
		"queue-list queue-sync print-retry draft-own draft-others draft-import cache-stats cache-sweep cache-purge operator-list " +
		"own-passphrase audit-verify dossier-status late-watch book supplement refuse extend stop withdraw return rate certify cert-register"
	volunteer := "lookup card-read dossier-list queue-list queue-sync draft-own cache-stats cache-sweep operator-list own-passphrase audit-verify"
	keyClerk := strings.Replace(clerk, " own-passphrase", "", 1)
	sync := "dossier-list queue-list queue-sync print-retry cache-sweep audit-verify"
	reception := "lookup see-ethnicity leave-cache receive batch-run dossier-list queue-list cache-sweep audit-verify"
	all := make([]string, len(cases))
	for i, c := range cases {
		all[i] = c.name
	}
	want := []struct {
		p       principal
		allowed string
	}{
		{f.asOperator("gs01"), strings.Join(all, " ")},
		{f.asOperator("cb01"), clerk},
		{f.asOperator("tn01"), volunteer},
		{f.asKeyFile(offline.KeyRoleSync, ""), sync},
		{f.asKeyFile(offline.KeyRoleSync, "gs01"), sync}, // a key file does not become a supervisor
		{f.asKeyFile(offline.KeyRoleReception, ""), reception},
		{f.asKeyFile(offline.KeyRoleSyncReception, "cb01"), reception + " queue-sync print-retry"},
		{f.asKeyFile(offline.KeyRoleClerk, ""), keyClerk},
		{f.asKeyFile(offline.KeyRoleClerk, "gs01"), keyClerk},
		{f.asKeyFile(offline.KeyRoleClerk, "tn01"), strings.Replace(volunteer, " own-passphrase", "", 1)},
	}
	for _, w := range want {
		allowed := strings.Fields(w.allowed)
		for _, c := range cases {
			err := c.run(w.p)
			got := err == nil
			if err != nil && !errors.Is(err, counter.ErrForbidden) {
				t.Errorf("%s / %s: unexpected error %v", w.p.name, c.name, err)
				continue
			}
			if exp := slices.Contains(allowed, c.name); got != exp {
				t.Errorf("%s / %s: allowed %v, want %v (%v)", w.p.name, c.name, got, exp, err)
			}
			var fe *counter.ForbiddenError
			if msg := counter.Explain(err); errors.As(err, &fe) && !strings.Contains(msg, "quyền") && !strings.HasPrefix(msg, "Tình nguyện viên chỉ chuẩn bị") {
				t.Errorf("%s / %s: refusal message %q does not say which right is missing", w.p.name, c.name, msg)
			}
		}
	}
}

// unless is err, or nil when it is the refusal a use case gives after its rights check.
func unless(err, after error) error {
	if errors.Is(err, after) {
		return nil
	}
	return err
}

// Who acts is checked too: a key file acts only for an enabled operator of the store, and
// a passphrase session only for the operator who unlocked it.
func TestRightsWhoActs(t *testing.T) {
	f := newRightsFixture(t)
	key := f.asKeyFile(offline.KeyRoleClerk, "")
	if _, err := key.svc.Who("nobody"); !errors.Is(err, offline.ErrNoOperator) {
		t.Errorf("a key file acting for an unknown operator: %v", err)
	}
	if err := key.svc.Allow(counter.Operator{ID: "nobody"}, counter.ActLookup); !errors.Is(err, offline.ErrNoOperator) {
		t.Errorf("a use case for an unknown operator: %v", err)
	}
	if err := f.sup.DisableOperator(counter.Operator{ID: "gs01"}, "tn01"); err != nil {
		t.Fatal(err)
	}
	fresh := f.asKeyFile(offline.KeyRoleClerk, "")
	if _, err := fresh.svc.Who("tn01"); !errors.Is(err, offline.ErrOperatorDisabled) {
		t.Errorf("a key file acting for a disabled operator: %v", err)
	}
	clerk := f.asOperator("cb01")
	if err := clerk.svc.Allow(counter.Operator{ID: "gs01", Role: offline.RoleSupervisor}, counter.ActAuditExport); !errors.Is(err, counter.ErrNotHolder) {
		t.Errorf("a clerk's session naming the supervisor: %v", err)
	}
	// the role a front end passes does not count: the store's record does
	if err := clerk.svc.Allow(counter.Operator{ID: "cb01", Role: offline.RoleSupervisor}, counter.ActAuditExport); !errors.Is(err, counter.ErrForbidden) {
		t.Errorf("a clerk claiming the supervisor's role: %v", err)
	}
}
