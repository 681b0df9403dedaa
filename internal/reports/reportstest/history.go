// Package reportstest builds the known history the reports' figures are checked against (in
// internal/reports and in the counter screen's tests): two counters of one ward on the sandbox
// gateway, a fixed clock moved by hand, the handling agencies' outcomes forced per dossier.
package reportstest

import (
	"context"
	"sync"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// AgencyCode is the ward's agency.
const AgencyCode = "G22.99.08"

// Clock is the fixed clock every part of the ward reads.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// HCM is the counter's zone.
func HCM(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Ward is the two counters on one sandbox.
type Ward struct {
	t     testing.TB
	Loc   *time.Location
	Clk   *Clock
	Srv   *sandbox.Server
	One   *counter.Service // counter 01: the supervisor's machine
	Two   *counter.Service // counter 02
	Store *offline.Store   // counter 01's
}

func newService(t testing.TB, url string, clk *Clock, n int) (*counter.Service, *offline.Store) {
	t.Helper()
	gw, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 5 * time.Second, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.Open(t.TempDir(), offline.Options{Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := counter.New(counter.Config{
		Agency: counter.Agency{Code: AgencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM", Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
			Address: "Địa chỉ thử nghiệm", Place: "Phường Thử Nghiệm", ResultPlace: "Bộ phận Tiếp nhận và Trả kết quả"},
		Counter: n, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8, Location: HCM(t),
	}, counter.Deps{Gateway: gw, Store: store, Printer: printing.NewFilePrinter(t.TempDir()), Calendar: calendar.Default(),
		Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc, store
}

// NewWard starts the sandbox and the two counters on Monday 23/11/2026 08:00.
func NewWard(t testing.TB) *Ward {
	t.Helper()
	loc := HCM(t)
	clk := &Clock{t: time.Date(2026, time.November, 23, 8, 0, 0, 0, loc)} // a Monday
	wf := sandbox.DefaultWorkflow
	srv := sandbox.NewServer(sandbox.Default(), sandbox.Options{Clock: clk.Now, Workflow: &wf, EventsPath: t.TempDir() + "/events"})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	w := &Ward{t: t, Loc: loc, Clk: clk, Srv: srv}
	w.One, w.Store = newService(t, url, clk, 1)
	w.Two, _ = newService(t, url, clk, 2)
	return w
}

// At is a time of November 2026 in the counter's zone.
func (w *Ward) At(day, hour, minute int) time.Time {
	return time.Date(2026, time.November, day, hour, minute, 0, 0, w.Loc)
}

func single(t testing.TB) string {
	for _, f := range sandbox.Featured() {
		if f.Kind == "single" {
			return f.ID
		}
	}
	t.Fatal("no featured single person")
	return ""
}

// visit is one reception: who serves, how the citizen is identified, when, and what the
// handling agency will do with the dossier.
type visit struct {
	svc      *counter.Service
	operator string
	how      string // offline.Identity*
	identAt  time.Time
	recvAt   time.Time
	outcome  string // sandbox.Outcome*
}

// receive looks the citizen up at identAt, fills the declaration as the counter screen does
// and receives it at recvAt; it returns the dossier's code.
func (w *Ward) receive(v visit) string { return w.receiveFor(v, "", nil) }

// receiveFor is receive for a service (xac-nhan-tthn when empty) and its declaration's values
// after the person ("+row" adds a row to the table named).
func (w *Ward) receiveFor(v visit, service string, fields [][2]string) string {
	t := w.t
	ctx := context.Background()
	id := single(t)
	w.Clk.Set(v.identAt)
	meta := lookups.CallMeta{Operator: v.operator, Purpose: lookups.PurposeReception}
	res, origin, err := v.svc.Lookup(ctx, id, meta)
	if err != nil {
		t.Fatal(err)
	}
	if service == "" {
		service, fields = "xac-nhan-tthn", [][2]string{{"purpose", "other"}, {"purpose_other", "Bổ sung hồ sơ xin việc"}}
	}
	spec, ok := forms.Lookup(service)
	if !ok {
		t.Fatalf("no %s", service)
	}
	in := v.svc.NewIntake(spec)
	data := forms.PersonData{Resident: res, Origin: origin, At: v.identAt, CardSource: forms.SourceTyped}
	card, _ := sandbox.Default().Card(id)
	switch v.how {
	case offline.IdentityChip, offline.IdentitySigned:
		data.Card, data.CardSource, data.Proof = &card, forms.SourceCard, forms.ProofChip
		if v.how == offline.IdentitySigned {
			data.Proof = forms.ProofSigned
		}
		v.svc.CardRead(counter.Operator{ID: v.operator}, id)
	case offline.IdentityQR:
		data.Card, data.CardSource, data.LettersTrusted = &card, forms.SourceQR, true
	}
	if err := in.Fill(in.PrimarySlot(), data); err != nil {
		t.Fatal(err)
	}
	decl := in.Declaration()
	for _, kv := range fields {
		var err error
		if kv[1] == "+row" {
			_, err = decl.AddRow(kv[0])
		} else {
			err = decl.Set(kv[0], kv[1])
		}
		if err != nil {
			t.Fatalf("%s: %v", kv[0], err)
		}
	}
	w.Clk.Set(v.recvAt)
	out, err := v.svc.Receive(ctx, decl, counter.Operator{ID: v.operator}, in.LookedUp(), "")
	if err != nil {
		t.Fatal(err)
	}
	if v.outcome != "" {
		if err := w.Srv.ForceOutcome(out.Dossier.Code, v.outcome); err != nil {
			t.Fatal(err)
		}
	}
	return out.Dossier.Code
}

// draft keeps a declaration of the single person as draft id (for the reception slips).
func (w *Ward) draft(svc *counter.Service, op, id string) {
	t := w.t
	spec, _ := forms.Lookup("xac-nhan-tthn")
	in := svc.NewIntake(spec)
	blob, err := in.Declaration().MarshalDraft()
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SaveDraft(context.Background(), counter.DraftSave{ID: id, Service: spec.ID, Blob: blob, Step: "form"}, counter.Operator{ID: op}); err != nil {
		t.Fatal(err)
	}
}

func rating(answer string) lifecycle.Rating {
	return lifecycle.Rating{Set: forms.Ratings().Version, Answers: []lifecycle.RatingAnswer{{Question: "hai-long", Answer: answer},
		{Question: "thai-do", Answer: "tan-tinh"}}}
}

// History builds the ward's fortnight (Monday 23/11 to Sunday 06/12/2026) and returns the
// codes received at counter 01 (L0..L9, C1, H1, W1, L10) and counter 02 (R1, R2); counter
// 01's copy desk certifies twice on 2/12; counter 01 records the ratings of L1, L2 and L3,
// counter 02 those of R1, R2 and L9.
func (w *Ward) History() (local, remote []string) {
	t := w.t
	ctx := context.Background()
	// L0: received the Friday before the period, after the 15:00 cut-off
	carried := w.receive(visit{w.One, "cb01", offline.IdentityTyped, w.At(20, 15, 24), w.At(20, 15, 30), sandbox.OutcomeEarly})
	visits := []visit{
		{w.One, "cb01", offline.IdentityChip, w.At(23, 8, 55), w.At(23, 9, 0), sandbox.OutcomeEarly},        // L1: 5 min
		{w.One, "cb01", offline.IdentityChip, w.At(23, 9, 3), w.At(23, 9, 10), sandbox.OutcomeOnTime},       // L2: 7 min
		{w.One, "cb01", offline.IdentitySigned, w.At(23, 9, 16), w.At(23, 9, 20), sandbox.OutcomeOnTime},    // L3: 4 min
		{w.One, "cb01", offline.IdentityQR, w.At(23, 9, 20), w.At(23, 9, 30), sandbox.OutcomeLate},          // L4: 10 min
		{w.One, "cb02", offline.IdentityTyped, w.At(24, 9, 34), w.At(24, 9, 40), sandbox.OutcomeSupplement}, // L5: 6 min
		{w.One, "cb02", offline.IdentityTyped, w.At(25, 9, 42), w.At(25, 9, 50), sandbox.OutcomeStop},       // L6: 8 min
	}
	for _, v := range visits {
		local = append(local, w.receive(v))
	}
	// L7: the link is down; the look-up is served from the cache (the person was looked up
	// at 09:42 on the 25th), the dossier waits in the outbox
	if err := w.Srv.SetFaults(sandbox.Faults{Outage: sandbox.OutageRefuse}); err != nil {
		t.Fatal(err)
	}
	local = append(local, w.receive(visit{w.One, "cb02", offline.IdentityChip, w.At(25, 10, 57), w.At(25, 11, 0), ""})) // 3 min
	if err := w.Srv.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}
	w.Clk.Set(w.At(25, 11, 30))
	if _, err := w.One.Drain(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Srv.ForceOutcome(local[6], sandbox.OutcomeOnTime); err != nil {
		t.Fatal(err)
	}
	// L8: withdrawn the same morning
	local = append(local, w.receive(visit{w.One, "cb02", offline.IdentityQR, w.At(26, 9, 51), w.At(26, 10, 0), sandbox.OutcomeOnTime})) // 9 min
	w.Clk.Set(w.At(26, 10, 30))
	if _, err := w.One.Withdraw(ctx, counter.Operator{ID: "cb02"}, local[7], "Công dân xin rút", counter.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	// counter 02: two dossiers
	remote = append(remote, w.receive(visit{w.Two, "cb03", offline.IdentityTyped, w.At(24, 10, 0), w.At(24, 10, 5), sandbox.OutcomeEarly}),
		w.receive(visit{w.Two, "cb03", offline.IdentityTyped, w.At(24, 10, 10), w.At(24, 10, 15), sandbox.OutcomeLate}))
	// reception slips at counter 01: a supplement asked for, a refusal
	w.Clk.Set(w.At(27, 14, 0))
	w.draft(w.One, "cb01", "nhap-1")
	w.draft(w.One, "cb01", "nhap-2")
	if _, err := w.One.AskSupplement(ctx, counter.Operator{ID: "cb01"}, counter.SupplementRequest{DraftID: "nhap-1",
		Items: []lifecycle.SupplementItem{{Document: "Tờ khai", Problem: "Thiếu chữ ký"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.One.Refuse(ctx, counter.Operator{ID: "cb01"}, counter.RefusalRequest{DraftID: "nhap-2", Reasons: []string{forms.ReasonOther},
		Note: "Không thuộc thẩm quyền"}); err != nil {
		t.Fatal(err)
	}
	// L9: Monday 30/11 in the afternoon, due Thursday 3/12
	local = append(local, w.receive(visit{w.One, "cb01", offline.IdentityChip, w.At(30, 13, 58), w.At(30, 14, 0), sandbox.OutcomeOnTime})) // 2 min
	// Wednesday 2/12, counter 01: a copy certification received as a dossier (one 2-page
	// original, 3 copies: 3 × 4,000 đồng), and two requests at the copy desk: 10 copies of a
	// 2-page original (40,000 đồng) and 3 copies of a 1-page original, exempt
	local = append(local, w.receiveFor(visit{w.One, "cb01", offline.IdentityChip, time.Date(2026, time.December, 2, 9, 0, 0, 0, w.Loc),
		time.Date(2026, time.December, 2, 9, 4, 0, 0, w.Loc), sandbox.OutcomeEarly}, "chung-thuc-ban-sao",
		[][2]string{{"originals.1.doc_name", "Giấy khai sinh"}, {"originals.1.pages", "2"}, {"originals.1.copies", "3"}})) // 4 min
	// and a household business registration, whose provincial fee the schedule does not give
	local = append(local, w.receiveFor(visit{w.One, "cb02", offline.IdentityTyped, time.Date(2026, time.December, 2, 9, 30, 0, 0, w.Loc),
		time.Date(2026, time.December, 2, 9, 36, 0, 0, w.Loc), sandbox.OutcomeEarly}, "dang-ky-ho-kinh-doanh",
		[][2]string{{"business_name", "Hộ kinh doanh Minh Anh"}, {"activities.1.name", "Bán lẻ hàng tạp hóa"}, {"activities.1.code", "4711"},
			{"capital", "50000000"}})) // 6 min
	// and a will certified, exempt from the fee
	local = append(local, w.receiveFor(visit{w.One, "cb01", offline.IdentityTyped, time.Date(2026, time.December, 2, 9, 40, 0, 0, w.Loc),
		time.Date(2026, time.December, 2, 9, 47, 0, 0, w.Loc), sandbox.OutcomeEarly}, "chung-thuc-hop-dong",
		[][2]string{{"contract_kind", "will"}, {"contract_name", "Di chúc"}, {"asset", "Nhà ở tại Thôn Đông"}, {"asset_registered", "yes"},
			{"asset_cert_number", "CS 123456"}, {"pages", "4"}, {"fee_exempt", "yes"}})) // 7 min
	w.Clk.Set(time.Date(2026, time.December, 2, 10, 0, 0, 0, w.Loc))
	id := single(t)
	for _, rq := range []counter.CopyRequest{
		{Requester: counter.CopyRequester{ID: id, Name: "Nguyễn Thị Thử", Source: "typed"},
			Originals: []counter.CopyOriginal{{Document: "Bằng tốt nghiệp trung học phổ thông", Pages: 2, Copies: 10}}},
		{Requester: counter.CopyRequester{ID: id, Name: "Nguyễn Thị Thử", Source: "typed"},
			Originals: []counter.CopyOriginal{{Document: "Giấy khai sinh", Pages: 1, Copies: 3}}, Exempt: "Theo quyết định miễn phí"},
	} {
		if _, err := w.One.CertifyCopies(ctx, counter.Operator{ID: "cb02"}, rq); err != nil {
			t.Fatal(err)
		}
	}
	// Friday 4/12: counter 01 pulls what the agencies did and records three citizens' ratings
	w.Clk.Set(time.Date(2026, time.December, 4, 9, 0, 0, 0, w.Loc))
	if _, err := w.One.PullLife(ctx); err != nil {
		t.Fatal(err)
	}
	for i, answer := range []string{"rat-hai-long", "khong-hai-long", "hai-long"} {
		if _, err := w.One.Rate(ctx, counter.Operator{ID: "cb01"}, local[i], rating(answer), counter.StepOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// L10: Friday 4/12, still with the agency when the period ends
	local = append(local, w.receive(visit{w.One, "cb02", offline.IdentityQR, time.Date(2026, time.December, 4, 9, 55, 0, 0, w.Loc),
		time.Date(2026, time.December, 4, 10, 0, 0, 0, w.Loc), sandbox.OutcomeLate})) // 5 min
	local = append([]string{carried}, local...)
	// Friday 4/12, 10:30, counter 02: its two citizens rate R1 and R2, and L9's applicant, who
	// came to counter 02, rates L9 there (counter 02 looks it up first); counter 01 learns the
	// three ratings from the ward's list only
	w.Clk.Set(time.Date(2026, time.December, 4, 10, 30, 0, 0, w.Loc))
	if _, err := w.Two.DossierStatus(ctx, counter.Operator{ID: "cb03"}, local[9], true); err != nil {
		t.Fatal(err)
	}
	for i, rt := range []struct{ code, answer string }{{remote[0], "hai-long"}, {remote[1], "rat-hai-long"}, {local[9], "hai-long"}} {
		out, err := w.Two.Rate(ctx, counter.Operator{ID: "cb03"}, rt.code, rating(rt.answer), counter.StepOptions{})
		if err != nil || !out.Sent {
			t.Fatalf("rating %d at counter 02: %+v %v", i, out, err)
		}
	}
	// Monday 7/12, 09:00: the report of the fortnight
	w.Clk.Set(time.Date(2026, time.December, 7, 9, 0, 0, 0, w.Loc))
	return local, remote
}

// Supervisor is who asks for the report.
var Supervisor = counter.Operator{ID: "gs01", Role: offline.RoleSupervisor}

// Fortnight builds the history and computes the report of Monday 23/11 to Sunday 06/12/2026,
// made on Monday 7/12 at 09:00 (the ward's list pulled first).
func Fortnight(t testing.TB) (*Ward, *reports.Report) {
	t.Helper()
	w := NewWard(t)
	w.History()
	p := reports.Days(lookups.DateOf(w.At(23, 0, 0)), lookups.DateOf(w.At(23, 0, 0).AddDate(0, 0, 13)), w.Loc)
	r, err := reports.Compute(context.Background(), w.One, Supervisor, p, reports.Options{Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	return w, r
}
