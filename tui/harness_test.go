package tui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/forms"
	"motcua/forms/fees"
	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/lookups"
	"motcua/lookups/pid"
	"motcua/offline"
)

// fakeBackend answers from memory so these tests exercise the TUI alone; the
// end-to-end tests in cmd/motcua run the real parts in a real terminal.
type fakeBackend struct {
	mu          sync.Mutex
	residents   map[string]*lookups.Resident
	lookupErr   error
	lookups     []lookups.CallMeta
	received    []*forms.Declaration
	drafts      map[string]draftRec
	reprinted   []string
	cardReads   []string
	drains      int
	certified   []counter.CopyRequest
	certNumber  int
	feeReceipts []string
	now         time.Time
	path        *updatePath   // notes I/O calls made on Update's goroutine
	saveGate    chan struct{} // when set, a draft save waits for it to close (a slow store)
	outcomes    fakeOutcomes  // slips and control sheets (outcome_test.go)
	results     fakeResults   // the results desk's dossiers (results_test.go)
	sup         fakeSupervision
}

type draftRec struct {
	save    counter.DraftSave
	op      string
	created time.Time
}

var _ Backend = (*fakeBackend)(nil)

// Report: the harness has no report (reports_test.go's reportBackend has one).
func (b *fakeBackend) Report(context.Context, Operator, reports.Period) (*reports.Report, error) {
	b.path.io("Report")
	return nil, errors.New("no report in this harness")
}

func (b *fakeBackend) Lookup(_ context.Context, id string, meta lookups.CallMeta) (*lookups.Resident, lookups.Origin, error) {
	b.path.io("Lookup")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lookups = append(b.lookups, meta)
	if b.lookupErr != nil {
		return nil, lookups.Origin{}, b.lookupErr
	}
	r, ok := b.residents[id]
	if !ok {
		return nil, lookups.Origin{}, lookups.ErrNotFound
	}
	return r, lookups.Origin{Source: lookups.SourceDatabase, FetchedAt: b.now}, nil
}
func (b *fakeBackend) GatewayStatus(context.Context) error { b.path.io("GatewayStatus"); return nil }
func (b *fakeBackend) LinkLabel() string                   { return "Cổng dữ liệu: đã kết nối" }
func (b *fakeBackend) PrinterStatus(context.Context) (string, error) {
	b.path.io("PrinterStatus")
	return "PDF (thư mục biên nhận)", nil
}
func (b *fakeBackend) Services() []*forms.Spec { return forms.Catalog() }
func (b *fakeBackend) NewDeclaration(spec *forms.Spec) *forms.Declaration {
	return forms.NewDeclaration(spec, forms.Env{Agency: "UBND PHƯỜNG THỬ NGHIỆM", Place: "Phường Thử Nghiệm",
		Now: b.now, Clock: func() time.Time { return b.now }})
}
func (b *fakeBackend) SaveDraft(_ context.Context, d counter.DraftSave, op Operator) error {
	b.path.io("SaveDraft")
	if b.saveGate != nil {
		<-b.saveGate
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drafts == nil {
		b.drafts = map[string]draftRec{}
	}
	created := b.now
	if old, ok := b.drafts[d.ID]; ok {
		created = old.created
	}
	b.drafts[d.ID] = draftRec{save: d, op: op.ID, created: created}
	return nil
}
func (b *fakeBackend) Drafts(context.Context) ([]counter.Draft, error) {
	b.path.io("Drafts")
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []counter.Draft
	for id, r := range b.drafts {
		who := ""
		if res, ok := b.residents[r.save.SubjectID]; ok {
			who = res.Citizen.FullName
		}
		out = append(out, counter.Draft{DraftInfo: offline.DraftInfo{ID: id, Service: r.save.Service, Operator: r.op,
			CreatedAt: r.created, UpdatedAt: b.now}, Who: who})
	}
	slices.SortFunc(out, func(a, c counter.Draft) int { return strings.Compare(a.ID, c.ID) })
	return out, nil
}
func (b *fakeBackend) FindDraft(_ context.Context, service, subject string) (string, error) {
	b.path.io("FindDraft")
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, r := range b.drafts {
		if r.save.Service == service && r.save.SubjectID == subject && subject != "" {
			return id, nil
		}
	}
	return "", nil
}
func (b *fakeBackend) LoadDraft(_ context.Context, id string) (*forms.Declaration, error) {
	b.path.io("LoadDraft")
	b.mu.Lock()
	defer b.mu.Unlock()
	return forms.RestoreDraft(b.drafts[id].save.Blob)
}
func (b *fakeBackend) Receive(_ context.Context, decl *forms.Declaration, op Operator, ids []string, draftID string) (counter.Outcome, error) {
	b.path.io("Receive")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.received = append(b.received, decl)
	d, err := forms.Finalize(decl, forms.FinalizeInput{Code: "T.01-261123-010001", Agency: "T.01", Counter: "01",
		Operator: op.ID, ReceivedAt: b.now, Appointment: b.now.Add(96 * time.Hour)})
	if err != nil {
		return counter.Outcome{}, err
	}
	d.Status = forms.StatusSubmitted
	delete(b.drafts, draftID)
	out := counter.Outcome{Dossier: d, Submitted: true, ReceiptPath: "/tmp/x.pdf"}
	b.receptionSheet(&out)
	return out, nil
}
func (b *fakeBackend) CertifyCopies(_ context.Context, op Operator, req counter.CopyRequest) (*counter.CopyResult, error) {
	b.path.io("CertifyCopies")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.certified = append(b.certified, req)
	res := &counter.CopyResult{At: b.now, Volume: "2026-SCT/BS", AllKnown: true}
	for _, o := range req.Originals {
		b.certNumber++
		per, _ := b.CopyFee(o.Pages)
		c := counter.Certified{Number: fmt.Sprintf("01%05d", b.certNumber), Year: 2026, Document: o.Document, Pages: o.Pages, Copies: o.Copies,
			FeePerCopy: per, Fee: per * int64(o.Copies), FeeKnown: true}
		res.Items = append(res.Items, c)
		res.Total += c.Fee
	}
	res.PrintErr = b.outcomes.printErr
	return res, nil
}
func (b *fakeBackend) ExportCertRegisterFiles(_ context.Context, op Operator, year int) ([]string, error) {
	b.path.io("ExportCertRegisterFiles")
	return []string{fmt.Sprintf("/tmp/so-chung-thuc-%d.xlsx", year), fmt.Sprintf("/tmp/so-chung-thuc-%d.pdf", year)}, nil
}
func (b *fakeBackend) PrintDossierFeeReceipt(_ context.Context, op Operator, code string) ([]byte, error) {
	b.path.io("PrintDossierFeeReceipt")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.feeReceipts = append(b.feeReceipts, code)
	return []byte("%PDF"), b.outcomes.printErr
}
func (b *fakeBackend) CopyFee(pages int) (int64, bool) {
	return fees.Default().Amount(counter.CopyFeeSchedule, pages)
}
func (b *fakeBackend) Recent(context.Context, int) ([]offline.DossierInfo, error) {
	b.path.io("Recent")
	return []offline.DossierInfo{{Code: "T.01-261123-010002", State: "submitted", Service: "xac-nhan-tthn", ReceivedAt: b.now},
		{Code: "T.01-261123-010001", State: "queued", Service: "khai-sinh", ReceivedAt: b.now}}, nil
}
func (b *fakeBackend) Reprint(_ context.Context, code string, op Operator) (string, error) {
	b.path.io("Reprint")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reprinted = append(b.reprinted, code+"/"+op.ID)
	return "/tmp/" + code + ".pdf", nil
}
func (b *fakeBackend) Drain(context.Context, int) (counter.DrainReport, error) {
	b.path.io("Drain")
	b.mu.Lock()
	b.drains++
	b.mu.Unlock()
	return counter.DrainReport{}, nil
}
func (b *fakeBackend) RetryPrints(context.Context, string) (int, int, error) {
	b.path.io("RetryPrints")
	return 0, 0, nil
}
func (b *fakeBackend) SweepCache() (int, error) { b.path.io("SweepCache"); return 0, nil }
func (b *fakeBackend) CardRead(_ Operator, id string) {
	b.path.io("CardRead")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cardReads = append(b.cardReads, id)
}
func (b *fakeBackend) Explain(err error) string { return counter.Explain(err) }
func (b *fakeBackend) Now() time.Time           { return b.now }
func (b *fakeBackend) Location() *time.Location { return time.UTC }

// synthetic, made-up persons
var (
	birth1 = lookups.NewDate(1996, time.May, 14)
	id1    = mustID("001", lookups.Female, birth1, 424242)
)

func mustID(code string, sex lookups.Sex, b lookups.Date, seq int) string {
	id, err := pid.Build(code, sex, b, seq)
	if err != nil {
		panic(err)
	}
	return id
}

func resident(id, name string, status lookups.MaritalStatus) *lookups.Resident {
	addr := lookups.Address{Detail: "Số 9, ngõ Mẫu", WardName: "Phường Ba Đình", ProvinceName: "Thành phố Hà Nội"}
	return &lookups.Resident{
		Citizen:       lookups.Citizen{ID: id, FullName: name, BirthDate: birth1, Sex: lookups.Female, Nationality: "Việt Nam", Ethnicity: "Kinh"},
		Permanent:     &lookups.Residence{Kind: lookups.Permanent, Address: addr},
		MaritalStatus: status,
		Phone:         "0912345678",
	}
}

// harness drives the root model as the program does, without a terminal:
// Update on the test's goroutine, every command run to its message (timers
// are off, so each one returns), batches and sequences unfolded.
type harness struct {
	t  *testing.T
	m  tea.Model
	be *fakeBackend
}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, Options{}) }

func newHarnessWith(t *testing.T, opt Options) *harness {
	t.Helper()
	be := &fakeBackend{residents: map[string]*lookups.Resident{}, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	be.residents[id1] = resident(id1, "Trần Thị Hòa", lookups.NeverMarried)
	be.path = &updatePath{updateG: goid()}
	t.Cleanup(func() { be.path.check(t) })
	if opt.Login == nil {
		opt.Backend = be
	}
	if opt.Operator.ID == "" {
		opt.Operator = Operator{ID: "cb.test", Name: "Cán bộ Thử", Role: offline.RoleClerk}
	}
	opt.Location = time.UTC
	m := New(opt)
	m.f.noTimers = true
	h := &harness{t: t, m: m, be: be}
	h.send(tea.WindowSizeMsg{Width: 140, Height: 60})
	for _, msg := range run(m.Init()) {
		h.send(msg)
	}
	return h
}

// send delivers msg and runs the commands it starts until the model settles.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	queue := []tea.Msg{msg}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 500 {
			h.t.Fatal("message loop does not settle")
		}
		var cmd tea.Cmd
		h.m, cmd = h.m.Update(queue[0])
		queue = append(queue[1:], run(cmd)...)
	}
}

// run executes a command (and a batch's or sequence's members) to their
// messages, each on a goroutine of its own as the program does (Update's
// goroutine never runs a command: updatepath_test.go checks it).
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg)
	go func() { done <- cmd() }()
	var out []tea.Msg
	switch msg := (<-done).(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			out = append(out, run(c)...)
		}
	case tea.QuitMsg:
	default:
		// tea.Sequence's message is an unexported []tea.Cmd: run its members in order
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
			for i := range v.Len() {
				out = append(out, run(v.Index(i).Interface().(tea.Cmd))...)
			}
			return out
		}
		out = append(out, msg)
	}
	return out
}

func (h *harness) key(code rune) { h.send(tea.KeyPressMsg{Code: code}) }
func (h *harness) typ(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}
func (h *harness) model() Model   { return h.m.(Model) }
func (h *harness) screen() string { return ansi.Strip(h.m.View().Content) }

func (h *harness) want(parts ...string) {
	h.t.Helper()
	scr := h.screen()
	for _, p := range parts {
		if !strings.Contains(scr, p) {
			h.t.Fatalf("screen lacks %q:\n%s", p, scr)
		}
	}
}

func (h *harness) on(s screenID) bool { return h.model().f.screen == s }

// loginRefused is a login that never opens (the login screen's goldens).
func loginRefused(context.Context, string, string) (Backend, Operator, error) {
	return nil, Operator{}, errLoginRefused
}

var errLoginRefused = errors.New("test: login refused")
