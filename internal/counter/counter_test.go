package counter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

const agencyCode = "AGENCY"

// clock is a settable clock shared by the service, the store and the sandbox.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func hcm(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// fixture is a counter on a real sandbox gateway (loopback HTTP), a real
// store and a file printer, all in temporary directories.
type fixture struct {
	svc        *counter.Service
	store      *offline.Store
	srv        *sandbox.Server
	printer    *printing.FilePrinter
	clock      *clock
	stop       func()
	receiptDir string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, time.November, 23, 10, 0, 0, 0, hcm(t))} // Monday
	srv := sandbox.NewServer(sandbox.Default(), sandbox.Options{Clock: clk.Now})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	gw, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.Open(t.TempDir(), offline.Options{Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pr := printing.NewFilePrinter(dir)
	svc, err := counter.New(counter.Config{
		Agency: counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM", Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
			Address: "Địa chỉ thử nghiệm", Place: "Phường Thử Nghiệm", ResultPlace: "Bộ phận Tiếp nhận và Trả kết quả"},
		Counter: 1, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8,
	}, counter.Deps{Gateway: gw, Store: store, Printer: pr, Calendar: calendar.Default(),
		Specs: forms.Catalog(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, srv: srv, printer: pr, clock: clk, stop: stop, receiptDir: dir}
}

func featured(t testing.TB, kind string) string {
	t.Helper()
	for _, f := range sandbox.Featured() {
		if f.Kind == kind {
			return f.ID
		}
	}
	t.Fatalf("no featured person of kind %q", kind)
	return ""
}

// unknownID is a valid personal ID number that is not in the population
// (its sequence is beyond the population's size).
func unknownID(t testing.TB) string {
	return featured(t, "single")[:6] + "999999"
}

func accessLog(t *testing.T, s *offline.Store) []offline.AccessEntry {
	t.Helper()
	log, err := s.AccessLog()
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// assertNoRawID fails when a raw ID number appears anywhere in the access log.
func assertNoRawID(t *testing.T, log []offline.AccessEntry, ids ...string) {
	t.Helper()
	b, err := json.Marshal(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if bytes.Contains(b, []byte(id)) {
			t.Errorf("access log holds a raw ID number: %s", b)
		}
	}
}

var checkMeta = lookups.CallMeta{Operator: "cb01", Purpose: lookups.PurposeCheck}

func TestLookupFound(t *testing.T) {
	f := newFixture(t)
	id := featured(t, "single")
	res, origin, err := f.svc.Lookup(context.Background(), id, checkMeta)
	if err != nil {
		t.Fatal(err)
	}
	if res.Citizen.ID != id {
		t.Errorf("resident ID = %q, want %q", res.Citizen.ID, id)
	}
	if origin.Source != lookups.SourceDatabase {
		t.Errorf("origin source = %q, want gateway", origin.Source)
	}
	if !origin.FetchedAt.Equal(f.clock.Now()) {
		t.Errorf("fetched at = %v, want %v", origin.FetchedAt, f.clock.Now())
	}
	blob, at, ok, err := f.store.GetLookup(id, time.Hour)
	if err != nil || !ok {
		t.Fatalf("answer not cached: ok=%v err=%v", ok, err)
	}
	if !at.Equal(origin.FetchedAt) {
		t.Errorf("cached fetch time = %v, want %v", at, origin.FetchedAt)
	}
	var cached lookups.Resident
	if err := json.Unmarshal(blob, &cached); err != nil || cached.Citizen.ID != id {
		t.Errorf("cached resident = %+v, %v", cached.Citizen, err)
	}
	log := accessLog(t, f.store)
	if len(log) != 1 {
		t.Fatalf("access log has %d entries, want 1: %+v", len(log), log)
	}
	e := log[0]
	want := offline.AccessEntry{Seq: e.Seq, Time: e.Time, Operator: "cb01", Purpose: lookups.PurposeCheck,
		Action: offline.ActionLookup, Subject: f.store.SubjectRef(id), Outcome: "ok"}
	if e != want {
		t.Errorf("access entry = %+v, want %+v", e, want)
	}
	assertNoRawID(t, log, id)
}

func TestLookupNotFound(t *testing.T) {
	f := newFixture(t)
	id := unknownID(t)
	res, _, err := f.svc.Lookup(context.Background(), id, checkMeta)
	if !errors.Is(err, lookups.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if res != nil {
		t.Errorf("resident = %+v, want nil", res)
	}
	log := accessLog(t, f.store)
	if len(log) != 1 || log[0].Outcome != "not_found" || log[0].Action != offline.ActionLookup ||
		log[0].Subject != f.store.SubjectRef(id) {
		t.Errorf("access log = %+v, want one not_found look-up", log)
	}
	assertNoRawID(t, log, id)
	if _, _, ok, _ := f.store.GetLookup(id, time.Hour); ok {
		t.Error("a not-found answer was cached")
	}
}

func TestLookupRequiresOperatorAndPurpose(t *testing.T) {
	f := newFixture(t)
	id := featured(t, "single")
	for _, meta := range []lookups.CallMeta{
		{Purpose: lookups.PurposeCheck},
		{Operator: "cb01"},
		{},
	} {
		if _, _, err := f.svc.Lookup(context.Background(), id, meta); err == nil {
			t.Errorf("Lookup with %+v succeeded, want refused", meta)
		}
	}
	if log := accessLog(t, f.store); len(log) != 0 {
		t.Errorf("refused look-ups wrote the access log: %+v", log)
	}
	if st, err := f.store.CacheStats(time.Hour); err != nil || st.Entries != 0 {
		t.Errorf("refused look-ups cached something: %+v, %v", st, err)
	}
}

func TestLookupFallsBackToCacheWhenGatewayStops(t *testing.T) {
	f := newFixture(t)
	id := featured(t, "single")
	first, origin, err := f.svc.Lookup(context.Background(), id, checkMeta)
	if err != nil {
		t.Fatal(err)
	}
	fetched := origin.FetchedAt
	f.stop()
	f.clock.Advance(2 * time.Hour)

	res, origin, err := f.svc.Lookup(context.Background(), id, checkMeta)
	if err != nil {
		t.Fatalf("look-up with the gateway down and a fresh cache: %v", err)
	}
	if origin.Source != "cache" {
		t.Errorf("origin source = %q, want cache", origin.Source)
	}
	if !origin.FetchedAt.Equal(fetched) {
		t.Errorf("cached fetch time = %v, want the original %v", origin.FetchedAt, fetched)
	}
	if res.Citizen.ID != id || res.Citizen.FullName != first.Citizen.FullName {
		t.Errorf("cached resident = %+v, want %+v", res.Citizen, first.Citizen)
	}
	log := accessLog(t, f.store)
	if len(log) != 2 || log[1].Outcome != "cache" {
		t.Errorf("access log = %+v, want a second entry with outcome cache", log)
	}

	// An unknown person with the gateway down: no cache, the gateway error.
	if _, _, err := f.svc.Lookup(context.Background(), unknownID(t), checkMeta); !errors.Is(err, gateway.ErrUnreachable) {
		t.Errorf("uncached look-up with the gateway down: err = %v, want ErrUnreachable", err)
	}

	// Past the cache's time limit: an error, never stale data.
	f.clock.Advance(23 * time.Hour)
	res, origin, err = f.svc.Lookup(context.Background(), id, checkMeta)
	if !errors.Is(err, gateway.ErrUnreachable) {
		t.Errorf("look-up with an expired cache: err = %v, want ErrUnreachable", err)
	}
	if res != nil || origin.Source == "cache" {
		t.Errorf("look-up with an expired cache returned stale data: %+v %+v", res, origin)
	}
	log = accessLog(t, f.store)
	if last := log[len(log)-1]; last.Outcome != "error" {
		t.Errorf("last access entry = %+v, want outcome error", last)
	}
	assertNoRawID(t, log, id, unknownID(t))
}

// declaration prefills the marital-status declaration of the featured
// never-married person from the card and a reception look-up through the
// counter, and fills what stays missing unless leaveMissing.
func declaration(t testing.TB, f *fixture, leaveMissing bool) (*forms.Declaration, string, lookups.Origin) {
	t.Helper()
	id := featured(t, "single")
	card, ok := sandbox.Default().Card(id)
	if !ok {
		t.Fatal("featured person has no card")
	}
	res, origin, err := f.svc.Lookup(context.Background(), id, lookups.CallMeta{Operator: "cb01", Purpose: lookups.PurposeReception})
	if err != nil {
		t.Fatal(err)
	}
	spec, ok := forms.Lookup("xac-nhan-tthn")
	if !ok {
		t.Fatal("marital-status spec not in the catalog")
	}
	decl, err := prefillWithCard(f.svc, spec, &card, "card", res, origin)
	if err != nil {
		t.Fatal(err)
	}
	if got := decl.Value("marital_status"); got != "single" {
		t.Errorf("prefilled marital status = %q, want single", got)
	}
	if got := decl.Value("subject_id"); got != id {
		t.Errorf("prefilled subject ID = %q, want %q", got, id)
	}
	if got := decl.Value("subject_residence"); got == "" || decl.Provenance("subject_residence").Source != forms.SourceDatabase {
		t.Errorf("residence = %q from %+v, want a database value", got, decl.Provenance("subject_residence"))
	}
	missing := decl.Missing()
	if len(missing) != 1 || missing[0] != "purpose" {
		t.Errorf("missing after prefill = %v, want [purpose]", missing)
	}
	if leaveMissing {
		return decl, id, origin
	}
	if err := decl.Set("purpose", "other"); err != nil {
		t.Fatal(err)
	}
	if got := decl.Missing(); len(got) != 1 || got[0] != "purpose_other" {
		t.Errorf("missing after choosing 'other' = %v, want [purpose_other]", got)
	}
	if err := decl.Set("purpose_other", "Bổ sung hồ sơ vay vốn"); err != nil {
		t.Fatal(err)
	}
	if got := decl.Missing(); len(got) != 0 {
		t.Errorf("still missing: %v", got)
	}
	if probs := decl.Validate(); len(probs) != 0 {
		t.Fatalf("declaration has problems: %+v", probs)
	}
	return decl, id, origin
}

var clerk = counter.Operator{ID: "cb01", Name: "Nguyễn Thị Thử"}

func TestReceive(t *testing.T) {
	f := newFixture(t)
	decl, id, origin := declaration(t, f, false)
	out, err := f.svc.Receive(context.Background(), decl, clerk, []string{id, id}, "")
	if err != nil {
		t.Fatal(err)
	}
	d := out.Dossier
	if want := agencyCode + "-261123-010001"; d.Code != want {
		t.Errorf("code = %q, want %q", d.Code, want)
	}
	if !out.Submitted || out.SubmitErr != nil {
		t.Errorf("submitted = %v, err = %v", out.Submitted, out.SubmitErr)
	}
	if out.PrintErr != nil {
		t.Errorf("print error: %v", out.PrintErr)
	}
	// 24/11/2026 is a holiday: three working days from Monday 23/11 are 25, 26, 27.
	if want := time.Date(2026, time.November, 27, 8, 0, 0, 0, hcm(t)); !d.Appointment.Equal(want) {
		t.Errorf("appointment = %v, want %v", d.Appointment, want)
	}
	if d.Operator != clerk.ID || d.Status != forms.StatusSubmitted || d.Subject.ID != id {
		t.Errorf("dossier operator %q status %q subject %q", d.Operator, d.Status, d.Subject.ID)
	}
	rs := d.ResidenceSource
	if rs == nil || rs.Source != forms.PopulationDatabase || rs.Origin != lookups.SourceDatabase || !rs.At.Equal(origin.FetchedAt) {
		t.Errorf("residence source = %+v, want the population database via gateway at %v", rs, origin.FetchedAt)
	}

	// Saved in the store, state submitted.
	blob, info, err := f.store.GetDossier(d.Code)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != counter.StateSubmitted || info.Service != "xac-nhan-tthn" {
		t.Errorf("stored index = %+v", info)
	}
	var stored forms.Dossier
	if err := json.Unmarshal(blob, &stored); err != nil {
		t.Fatal(err)
	}
	if stored.Status != forms.StatusSubmitted || stored.IdempotencyKey != d.IdempotencyKey || stored.Code != d.Code {
		t.Errorf("stored dossier status %q key %q code %q", stored.Status, stored.IdempotencyKey, stored.Code)
	}

	// The gateway received it once, with the idempotency key.
	got := f.srv.Dossiers()
	if len(got) != 1 {
		t.Fatalf("sandbox received %d dossiers, want 1", len(got))
	}
	if got[0].IdempotencyKey == "" || got[0].IdempotencyKey != d.IdempotencyKey || got[0].Submission.Code != d.Code ||
		got[0].Submission.SubjectID != id || got[0].Meta.Purpose != lookups.PurposeSubmit || got[0].Meta.Operator != clerk.ID {
		t.Errorf("sandbox received %+v (key %q), want code %s key %q", got[0].Submission.Code, got[0].IdempotencyKey, d.Code, d.IdempotencyKey)
	}

	// The receipt: printed into the printer's directory and kept in the store.
	if out.ReceiptPath != f.printer.Path(d.Code) {
		t.Errorf("receipt path = %q, want %q", out.ReceiptPath, f.printer.Path(d.Code))
	}
	printed, err := os.ReadFile(out.ReceiptPath)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := f.store.GetReceipt(d.Code)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(printed, []byte("%PDF")) || !bytes.HasPrefix(kept, []byte("%PDF")) {
		t.Error("receipt is not a PDF")
	}

	// Access log: the reception look-up, one link (IDs deduplicated), submit, print.
	log := accessLog(t, f.store)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action+"/"+e.Outcome)
	}
	if want := []string{"lookup/ok", "link/ok", "submit/ok", "print/ok"}; strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Errorf("access log actions = %v, want %v", actions, want)
	}
	for _, e := range log[1:] {
		if e.DossierCode != d.Code || e.Operator != clerk.ID {
			t.Errorf("entry %+v lacks the dossier code or operator", e)
		}
	}
	if log[0].Purpose != lookups.PurposeReception || log[1].Purpose != lookups.PurposeReception || log[1].Subject != f.store.SubjectRef(id) {
		t.Errorf("reception entries = %+v, %+v", log[0], log[1])
	}
	if log[2].Purpose != lookups.PurposeSubmit || log[2].Subject != f.store.SubjectRef(id) {
		t.Errorf("submit entry = %+v", log[2])
	}
	assertNoRawID(t, log, id)

	// The next dossier of the day at this counter.
	decl2, _, _ := declaration(t, f, false)
	out2, err := f.svc.Receive(context.Background(), decl2, clerk, []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := agencyCode + "-261123-010002"; out2.Dossier.Code != want {
		t.Errorf("second code = %q, want %q", out2.Dossier.Code, want)
	}
	if n := len(f.srv.Dossiers()); n != 2 {
		t.Errorf("sandbox holds %d dossiers, want 2", n)
	}
}

func TestReceiveWithGatewayDown(t *testing.T) {
	f := newFixture(t)
	decl, id, _ := declaration(t, f, false)
	f.stop()
	out, err := f.svc.Receive(context.Background(), decl, clerk, []string{id}, "")
	if err != nil {
		t.Fatalf("reception must not fail when only the submission does: %v", err)
	}
	if out.Submitted || out.SubmitErr == nil || !errors.Is(out.SubmitErr, gateway.ErrUnreachable) {
		t.Errorf("submitted = %v, submit err = %v; want not submitted, ErrUnreachable", out.Submitted, out.SubmitErr)
	}
	if out.Dossier.Status != forms.StatusQueued {
		t.Errorf("dossier status = %q, want queued", out.Dossier.Status)
	}
	_, info, err := f.store.GetDossier(out.Dossier.Code)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != counter.StateQueued {
		t.Errorf("stored state = %q, want queued", info.State)
	}
	queued, err := f.store.ListDossiers(offline.DossierFilter{States: []string{counter.StateQueued}})
	if err != nil || len(queued) != 1 {
		t.Errorf("queued dossiers = %+v, %v", queued, err)
	}
	if out.PrintErr != nil || out.ReceiptPath == "" {
		t.Errorf("receipt not printed: path %q err %v", out.ReceiptPath, out.PrintErr)
	}
	if _, err := os.Stat(out.ReceiptPath); err != nil {
		t.Error(err)
	}
	if pdf, err := f.store.GetReceipt(out.Dossier.Code); err != nil || len(pdf) == 0 {
		t.Errorf("receipt not kept: %d bytes, %v", len(pdf), err)
	}
	log := accessLog(t, f.store)
	var submit *offline.AccessEntry
	for i := range log {
		if log[i].Action == offline.ActionSubmit {
			submit = &log[i]
		}
	}
	if submit == nil || submit.Outcome != "queued" {
		t.Errorf("submit entry = %+v, want outcome queued", submit)
	}
}

func TestReceiveInvalidConsumesNoCode(t *testing.T) {
	f := newFixture(t)
	decl, id, _ := declaration(t, f, true)
	_, err := f.svc.Receive(context.Background(), decl, clerk, []string{id}, "")
	var ve *forms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *forms.ValidationError", err)
	}
	if len(ve.Problems) == 0 || ve.Problems[0].FieldID != "purpose" {
		t.Errorf("problems = %+v, want purpose", ve.Problems)
	}
	if list, err := f.store.ListDossiers(offline.DossierFilter{}); err != nil || len(list) != 0 {
		t.Errorf("dossiers after a refused reception: %+v, %v", list, err)
	}
	if n := len(f.srv.Dossiers()); n != 0 {
		t.Errorf("sandbox received %d dossiers", n)
	}

	// Without an operator: refused too.
	good, _, _ := declaration(t, f, false)
	if _, err := f.svc.Receive(context.Background(), good, counter.Operator{}, nil, ""); err == nil {
		t.Error("Receive without operator succeeded")
	}

	out, err := f.svc.Receive(context.Background(), good, clerk, []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := agencyCode + "-261123-010001"; out.Dossier.Code != want {
		t.Errorf("code after a refused reception = %q, want %q", out.Dossier.Code, want)
	}
}

func TestExplain(t *testing.T) {
	f := newFixture(t)
	_, _, notFound := f.svc.Lookup(context.Background(), unknownID(t), checkMeta)
	f.stop()
	_, _, unreachable := f.svc.Lookup(context.Background(), featured(t, "married"), checkMeta)
	if !errors.Is(unreachable, gateway.ErrUnreachable) {
		t.Fatalf("gateway stopped: err = %v", unreachable)
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"not found", notFound, "Không có công dân mang số định danh này"},
		{"not found wrapped", errors.Join(errors.New("x"), lookups.ErrNotFound), "Không có công dân"},
		{"unreachable", unreachable, "Không kết nối được cổng dữ liệu dân cư"},
		{"busy", offline.ErrBusy, "Dữ liệu đang được một lệnh khác sử dụng"},
		{"store too new", fmt.Errorf("unlock: %w", offline.ErrStoreTooNew), "phiên bản motcua mới hơn"},
		{"validation", &forms.ValidationError{Problems: []forms.Problem{{FieldID: "purpose", Code: "required", Message: "Chưa chọn mục đích sử dụng."}}},
			"Tờ khai chưa đúng: Chưa chọn mục đích sử dụng."},
		{"login delayed", fmt.Errorf("login: %w", &offline.LoginDelayError{Wait: 4 * time.Minute}), "Hãy đợi 4 phút rồi thử lại."},
		{"wrong passphrase, then a wait", &offline.LoginDelayError{Wait: 30 * time.Second, Cause: offline.ErrBadPassphrase},
			"Sai mã cán bộ hoặc mật khẩu, đã sai nhiều lần liên tiếp. Hãy đợi 30 giây rồi nhập lại."},
		{"unknown", errors.New("boom"), "Có lỗi ngoài dự kiến"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := counter.Explain(tt.err)
			if tt.want == "" {
				if got != "" {
					t.Errorf("Explain(nil) = %q", got)
				}
				return
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("Explain = %q, want it to contain %q", got, tt.want)
			}
			if got != f.svc.Explain(tt.err) {
				t.Error("method and function disagree")
			}
			if strings.Contains(got, "gateway") || strings.Contains(got, "offline:") {
				t.Errorf("Explain leaks an English error: %q", got)
			}
		})
	}
}

func TestNewRequiresParts(t *testing.T) {
	if _, err := counter.New(counter.Config{}, counter.Deps{}); err == nil {
		t.Error("New without parts succeeded")
	}
}

// A declaration prefilled from a cached answer (gateway down at reception)
// says so in the dossier and on the receipt.
func TestReceiveFromCachedLookup(t *testing.T) {
	f := newFixture(t)
	id := featured(t, "single")
	if _, _, err := f.svc.Lookup(context.Background(), id, checkMeta); err != nil {
		t.Fatal(err)
	}
	f.stop()
	res, origin, err := f.svc.Lookup(context.Background(), id, lookups.CallMeta{Operator: "cb01", Purpose: lookups.PurposeReception})
	if err != nil || origin.Source != "cache" {
		t.Fatalf("cached look-up: %+v, %v", origin, err)
	}
	card, _ := sandbox.Default().Card(id)
	spec, _ := forms.Lookup("xac-nhan-tthn")
	decl, err := prefillWithCard(f.svc, spec, &card, "qr", res, origin)
	if err != nil {
		t.Fatal(err)
	}
	if p := decl.Provenance("subject_residence"); p.Source != forms.SourceCache || !p.At.Equal(origin.FetchedAt) {
		t.Errorf("residence provenance = %+v, want cache at %v", p, origin.FetchedAt)
	}
	if p := decl.Provenance("subject_id"); p.Source != forms.SourceQR {
		t.Errorf("ID provenance = %+v, want qr", p)
	}
	for _, kv := range [][2]string{{"purpose", "other"}, {"purpose_other", "Bổ sung hồ sơ vay vốn"}} {
		if err := decl.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	out, err := f.svc.Receive(context.Background(), decl, clerk, []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	rs := out.Dossier.ResidenceSource
	if rs == nil || rs.Origin != "cache" || rs.Source != forms.PopulationDatabase || !rs.At.Equal(origin.FetchedAt) {
		t.Errorf("residence source = %+v", rs)
	}
	r := f.svc.Receipt(out.Dossier, clerk.Name)
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "bản lưu tạm") {
		t.Errorf("receipt notes = %q, want the cache note", r.Notes)
	}
	if r.CitizenID != id || r.DossierCode != out.Dossier.Code || r.Officer != clerk.Name || r.Address == "" {
		t.Errorf("receipt = %+v", r)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("receipt does not validate: %v", err)
	}
}

// A printer failure does not undo the reception: the receipt stays in the store.
func TestReceivePrinterFailure(t *testing.T) {
	f := newFixture(t)
	decl, id, _ := declaration(t, f, false)
	if err := os.RemoveAll(f.receiptDir); err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.Receive(context.Background(), decl, clerk, []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	if out.PrintErr == nil || out.ReceiptPath != "" {
		t.Errorf("print err = %v, path %q; want an error and no path", out.PrintErr, out.ReceiptPath)
	}
	if !out.Submitted {
		t.Errorf("not submitted: %v", out.SubmitErr)
	}
	if pdf, err := f.store.GetReceipt(out.Dossier.Code); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("receipt not kept for reprint: %v", err)
	}
	log := accessLog(t, f.store)
	if last := log[len(log)-1]; last.Action != offline.ActionPrint || last.Outcome != "error" {
		t.Errorf("last access entry = %+v, want print/error", last)
	}

	// The job waits in the print queue; once the printer is back and the
	// backoff has passed, it prints, and the queue is empty.
	if n, w, err := f.svc.RetryPrints(context.Background(), clerk.ID); err != nil || n != 0 || w != 1 {
		t.Fatalf("retry before the backoff: printed %d, waiting %d, %v", n, w, err)
	}
	if err := os.MkdirAll(f.receiptDir, 0o700); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if n, w, err := f.svc.RetryPrints(context.Background(), clerk.ID); err != nil || n != 1 || w != 0 {
		t.Fatalf("retry: printed %d, waiting %d, %v", n, w, err)
	}
	if _, err := os.Stat(f.printer.Path(out.Dossier.Code)); err != nil {
		t.Fatalf("the queued receipt was not printed: %v", err)
	}
}

// A reception after the holiday calendar ends still gets an appointment,
// estimated with the weekday rule, and the clerk is told so.
func TestReceiveBeyondCalendarEstimates(t *testing.T) {
	f := newFixture(t)
	loc := hcm(t)
	until := calendar.Default().ValidUntil()
	day := until.Time(loc).AddDate(0, 0, 10)
	for day.Weekday() != time.Monday {
		day = day.AddDate(0, 0, 1)
	}
	f.clock.Advance(day.Add(10 * time.Hour).Sub(f.clock.Now()))
	decl, id, _ := declaration(t, f, false)
	out, err := f.svc.Receive(context.Background(), decl, clerk, []string{id}, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := day.AddDate(0, 0, 3).Add(8 * time.Hour); !out.Dossier.Appointment.Equal(want) {
		t.Errorf("appointment %v, want %v", out.Dossier.Appointment, want)
	}
	if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "tạm tính") || !strings.Contains(out.Warnings[0], until.String()) {
		t.Errorf("warnings = %q", out.Warnings)
	}
}

// A backlog (paper) dossier entered later keeps its original reception
// time: its appointment counts from it; a batch keeps the receipt unprinted.
func TestReceiveBacklogNoPrint(t *testing.T) {
	f := newFixture(t)
	decl, id, _ := declaration(t, f, false)
	orig := f.clock.Now().AddDate(0, 0, -7) // Monday 16/11/2026 10:00
	out, err := f.svc.ReceiveWith(context.Background(), decl, clerk, []string{id}, "",
		counter.ReceiveOptions{ReceivedAt: orig, NoPrint: true, Officer: "Cán bộ nhập liệu"})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Dossier
	if !d.ReceivedAt.Equal(orig) {
		t.Errorf("received at %v, want %v", d.ReceivedAt, orig)
	}
	if want := time.Date(2026, 11, 19, 8, 0, 0, 0, hcm(t)); !d.Appointment.Equal(want) {
		t.Errorf("appointment %v, want %v (3 working days from the original reception)", d.Appointment, want)
	}
	if !strings.Contains(d.Code, "-261123-") {
		t.Errorf("code %s is not of the day it was entered", d.Code)
	}
	if _, err := os.Stat(f.printer.Path(d.Code)); !os.IsNotExist(err) {
		t.Errorf("the receipt was printed: %v", err)
	}
	if pdf, err := f.store.GetReceipt(d.Code); err != nil || len(pdf) == 0 {
		t.Errorf("the receipt was not kept: %v", err)
	}
	decl2, id2, _ := declaration(t, f, false)
	if _, err := f.svc.ReceiveWith(context.Background(), decl2, clerk, []string{id2}, "",
		counter.ReceiveOptions{ReceivedAt: f.clock.Now().Add(time.Hour)}); !errors.Is(err, counter.ErrReceivedInFuture) {
		t.Errorf("a future original reception: %v", err)
	}
}
