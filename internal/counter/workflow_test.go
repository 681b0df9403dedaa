package counter_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
	"motcua/offline"
	"motcua/printing"
)

// newWorkflowFixture is newSyncFixture with the sandbox playing the agencies on wf.
func newWorkflowFixture(t testing.TB, wf sandbox.Workflow) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, time.November, 23, 10, 0, 0, 0, hcm(t))} // a Monday
	srv := sandbox.NewServer(sandbox.Default(), sandbox.Options{Clock: clk.Now, Workflow: &wf})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	gw, err := gateway.New(gateway.Config{BaseURL: url, Timeout: 2 * time.Second, Retries: -1, BreakerFailures: -1})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.Open(t.TempDir(), offline.Options{Clock: clk.Now, LockWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pr := printing.NewFilePrinter(dir)
	svc, err := counter.New(counter.Config{
		Agency: counter.Agency{Code: agencyCode, Parent: "UBND PHƯỜNG THỬ NGHIỆM", Name: "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
			Place: "Phường Thử Nghiệm", ResultPlace: "Bộ phận Một cửa phường Thử Nghiệm"},
		Counter: 1, CacheTTL: 24 * time.Hour, CutoffHour: 15, ReturnHour: 8, Location: hcm(t),
	}, counter.Deps{Gateway: gw, Store: store, Printer: pr, Calendar: calendar.Default(), Specs: forms.Catalog(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, srv: srv, printer: pr, clock: clk, stop: stop, receiptDir: dir}
}

var ctx = context.Background()

func receiveOne(t *testing.T, f *fixture) *forms.Dossier {
	t.Helper()
	decl, _, _ := declaration(t, f, false)
	out, err := f.svc.Receive(ctx, decl, clerk, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return out.Dossier
}

func lifeOf(t *testing.T, f *fixture, code string) *lifecycle.Life {
	t.Helper()
	v, err := f.svc.DossierStatus(ctx, clerk, code, false)
	if err != nil {
		t.Fatal(err)
	}
	return v.Life
}

func TestLifeStartsAtReception(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1})
	d := receiveOne(t, f)
	l := lifeOf(t, f, d.Code)
	if l.Stage != lifecycle.StageReceived || len(l.History) != 1 || l.Channel != lifecycle.ChannelInPerson || l.Counter != "01" ||
		!l.Due.Equal(d.Appointment) || l.Applicant.Name == "" || l.Applicant.ID != d.Subject.ID {
		t.Fatalf("life at reception: %+v", l)
	}
	st := l.History[0]
	if st.Event != lifecycle.EventReceived || st.By != clerk.ID || st.Agency != agencyCode || st.Counter != "01" || !st.At.Equal(d.ReceivedAt) {
		t.Errorf("reception step: %+v", st)
	}
	var info offline.LifeInfo
	if err := f.store.View(func(tx *offline.Tx) (err error) { info, _, err = tx.LifeInfo(d.Code); return err }); err != nil {
		t.Fatal(err)
	}
	if info.Stage != "received" || info.Counter != "01" || info.Channel != "in_person" || info.Service != "xac-nhan-tthn" || info.Remote {
		t.Errorf("index %+v", info)
	}
}

// The reception's supplement path: Mẫu 02 at reception keeps the declaration; the slip's QR
// line brings it back when the citizen returns; it is then received and the slip counted as
// resumed.
func TestReceptionSupplementSlipAndResume(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1})
	decl, id, _ := declaration(t, f, false)
	blob, err := decl.MarshalDraft()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SaveDraft(ctx, counter.DraftSave{ID: "draft-1", Service: "xac-nhan-tthn", SubjectID: id, Blob: blob, Step: "review"}, clerk); err != nil {
		t.Fatal(err)
	}
	items := []lifecycle.SupplementItem{{Document: "Bản án ly hôn", Problem: "Thiếu bản sao có chứng thực", Guidance: "Nộp bản sao có chứng thực"}}
	if _, err := f.svc.AskSupplement(ctx, clerk, counter.SupplementRequest{DraftID: "draft-1"}); !errors.Is(err, counter.ErrSlip) {
		t.Errorf("a slip without items: %v", err)
	}
	out, err := f.svc.AskSupplement(ctx, clerk, counter.SupplementRequest{DraftID: "draft-1", Items: items, Note: "Mang theo bản chính"})
	if err != nil {
		t.Fatal(err)
	}
	slip := out.Supplement
	if out.Info.Code != agencyCode+"-261123-BS010001" || slip == nil || slip.QR != out.Info.Code || slip.Citizen.Name == "" ||
		slip.ServiceName == "" || len(slip.Items) != 1 || slip.Officer != clerk.Name || slip.ParentAgency == "" {
		t.Fatalf("slip: %+v %+v", out.Info, slip)
	}
	again, err := f.svc.AskSupplement(ctx, clerk, counter.SupplementRequest{DraftID: "draft-1", Items: items, Note: "Mang theo bản chính"})
	if err != nil || !again.Duplicate || again.Info.Code != out.Info.Code {
		t.Errorf("a double key press made another slip: %+v %v", again.Info, err)
	}
	log := accessLog(t, f.store)
	if last := log[len(log)-1]; last.Action != counter.ActionSlip || last.Detail != "supplement" || last.Subject != f.store.SubjectRef(id) {
		t.Errorf("slip not in the access log: %+v", last)
	}
	assertNoRawID(t, log, id)

	// the citizen comes back: the QR line (here a look-up URL) brings the declaration back
	line := printing.QRContent(printing.Receipt{DossierCode: out.Info.Code, LookupURL: "https://dichvucong.example/tra-cuu?loai=phieu"}) + "\r\n"
	res, err := f.svc.ResumeSlip(ctx, clerk, line)
	if err != nil || res.DraftID != "draft-1" || res.Decl == nil || res.Decl.Value("subject_id") != id {
		t.Fatalf("resume: %+v %v", res.Info, err)
	}
	rec, err := f.svc.Receive(ctx, res.Decl, clerk, nil, res.DraftID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResumeSlip(ctx, clerk, out.Info.Code); !errors.Is(err, counter.ErrSlip) || !strings.Contains(counter.Explain(err), rec.Dossier.Code) {
		t.Errorf("a used slip: %v (%s)", err, counter.Explain(err))
	}
	for _, bad := range []string{"", "DROP TABLE", "https://x.example/?ma=" + strings.Repeat("9", 50), "javascript:alert(1)",
		out.Info.Code + "\x1b[2J", strings.Repeat("A", counter.MaxQRLine+1)} {
		if _, err := f.svc.ResumeSlip(ctx, clerk, bad); !errors.Is(err, counter.ErrSlip) {
			t.Errorf("hostile line %q: %v", bad, err)
		}
	}
	counts, err := f.svc.ReceptionCounts(clerk, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if c := counts[""]; c.Received != 1 || c.Supplement != 1 || c.Resumed != 1 || c.Refused != 0 {
		t.Errorf("counts %+v", counts)
	}
}

func TestReceptionRefusal(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1})
	decl, _, _ := declaration(t, f, true)
	blob, _ := decl.MarshalDraft()
	if err := f.svc.SaveDraft(ctx, counter.DraftSave{ID: "draft-2", Service: "xac-nhan-tthn", Blob: blob}, clerk); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []counter.RefusalRequest{
		{DraftID: "draft-2"},
		{DraftID: "draft-2", Reasons: []string{"chua-du-tuoi"}}, // another service's reason
		{DraftID: "draft-2", Reasons: []string{forms.ReasonOther}},
		{DraftID: "nope", Reasons: []string{"da-co-ket-qua"}},
	} {
		if _, err := f.svc.Refuse(ctx, clerk, bad); err == nil || strings.HasPrefix(counter.Explain(err), "Có lỗi ngoài dự kiến") {
			t.Errorf("refusal %+v: %v (%s)", bad, err, counter.Explain(err))
		}
	}
	out, err := f.svc.Refuse(ctx, clerk, counter.RefusalRequest{DraftID: "draft-2", Reasons: []string{"da-co-ket-qua", forms.ReasonOther},
		Note: "Đã cấp giấy xác nhận ngày 10/11/2026, còn hiệu lực"})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Refusal
	if out.Info.Code != agencyCode+"-261123-TC010001" || r == nil || len(r.Reasons) != 1 || r.Note == "" || r.Citizen.Name == "" ||
		len(out.Info.Reasons) != 2 || out.Info.DraftID != "" {
		t.Fatalf("refusal %+v %+v", out.Info, r)
	}
	if _, _, err := f.store.GetDraft("draft-2"); !errors.Is(err, offline.ErrNotFound) {
		t.Errorf("the refused declaration is kept: %v", err)
	}
	kept, err := f.svc.Slip(clerk, out.Info.Code)
	if err != nil || kept.Refusal == nil || kept.Refusal.Note != r.Note {
		t.Errorf("reprint: %+v %v", kept, err)
	}
	counts, _ := f.svc.ReceptionCounts(clerk, time.Time{}, time.Time{})
	if counts["xac-nhan-tthn"].Refused != 1 {
		t.Errorf("counts %+v", counts)
	}
}

// The clerk's steps: each recorded with who, when and where, idempotent, refused in a stage
// that does not allow it with a Vietnamese message, with the form it prints.
func TestClerkStepsAndRefusals(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1})
	d := receiveOne(t, f)
	if _, err := f.svc.HandOver(ctx, clerk, counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: d.Subject.ID}}); !errors.Is(err, lifecycle.ErrTransition) ||
		!strings.Contains(counter.Explain(err), "Chưa có kết quả") {
		t.Errorf("a hand-over before the result: %v (%s)", err, counter.Explain(err))
	}
	// an apology: the new day must be later; N working days are counted with the calendar
	if _, err := f.svc.Extend(ctx, clerk, d.Code, "", d.Appointment.Add(-24*time.Hour), "Chậm xác minh", counter.StepOptions{}); !errors.Is(err, lifecycle.ErrChange) {
		t.Errorf("an earlier appointment: %v", err)
	}
	next, err := f.svc.NewAppointment(clerk, d.Code, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, time.December, 1, 8, 0, 0, 0, hcm(t)); !next.Equal(want) { // 27/11 (Fri) + 2 working days
		t.Errorf("two working days after the appointment: %v, want %v", next, want)
	}
	ap, err := f.svc.Extend(ctx, clerk, d.Code, "", next, "Chậm xác minh với nơi cư trú trước", counter.StepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ap.Duplicate || !ap.Sent || ap.Letter.NewAppointment.Day() != 1 || ap.Letter.DossierCode != d.Code || ap.Letter.Reason == "" ||
		ap.Letter.Citizen.Name == "" || len(ap.Letter.Procedures) != 1 {
		t.Errorf("apology: %+v", ap)
	}
	dup, err := f.svc.Extend(ctx, clerk, d.Code, "", next, "Chậm xác minh với nơi cư trú trước", counter.StepOptions{})
	if err != nil || !dup.Duplicate || dup.Step.Seq != ap.Step.Seq {
		t.Errorf("the same apology again: %+v %v", dup.Step, err)
	}
	var de *counter.DoneError
	if _, err := f.svc.Extend(ctx, clerk, d.Code, "", next, "Lý do khác", counter.StepOptions{}); !errors.As(err, &de) {
		t.Errorf("the same apology with another reason: %v", err)
	}
	// a stop with its notice; afterwards nothing but a rating
	if _, err := f.svc.Stop(ctx, clerk, d.Code, "", " ", counter.StepOptions{}); !errors.Is(err, lifecycle.ErrChange) {
		t.Errorf("a stop without reason: %v", err)
	}
	st, err := f.svc.Stop(ctx, clerk, d.Code, "", "Công dân thuộc trường hợp không được xác nhận", counter.StepOptions{Key: "stop-1"})
	if err != nil || st.Life.Stage != lifecycle.StageStopped || st.Notice.Reason == "" || st.Notice.Handler == "" {
		t.Fatalf("stop: %+v %v", st, err)
	}
	if _, err := f.svc.Stop(ctx, clerk, d.Code, "", "Lý do khác", counter.StepOptions{Key: "stop-1"}); !errors.Is(err, counter.ErrKeyReused) {
		t.Errorf("a key reused for another stop: %v", err)
	}
	if _, err := f.svc.Withdraw(ctx, clerk, d.Code, "", counter.StepOptions{}); !errors.Is(err, lifecycle.ErrTransition) || !strings.Contains(counter.Explain(err), "dừng giải quyết") {
		t.Errorf("a withdrawal after the stop: %v", err)
	}
	l := lifeOf(t, f, d.Code)
	var evs []string
	for _, s := range l.History {
		evs = append(evs, string(s.Event))
		if s.By == "" || s.At.IsZero() || (s.Origin == lifecycle.OriginCounter && (s.Agency != agencyCode || s.Counter != "01")) {
			t.Errorf("step without who, when, where: %+v", s)
		}
	}
	if strings.Join(evs, " ") != "received extended stopped" {
		t.Errorf("history %v", evs)
	}
	// the sandbox got both events, once
	var kinds []string
	for _, e := range f.srv.Events() {
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, " ") != "extended stopped" {
		t.Errorf("upstream events %v", kinds)
	}
	cs, err := f.svc.ControlSheet(clerk, d.Code)
	if err != nil || len(cs.Rows) != 2 || cs.DossierCode != d.Code {
		t.Errorf("control sheet %+v %v", cs, err)
	}
}

// The results desk, online: the sandbox makes the result ready, the receipt's QR line opens
// the dossier, the receiver is checked, the hand-over and the rating go upstream once.
func TestResultsDesk(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1, Span: time.Hour})
	d := receiveOne(t, f)
	f.clock.Advance(time.Hour)
	line := printing.QRContent(printing.Receipt{DossierCode: d.Code, LookupURL: "https://dichvucong.example/tra-cuu/{ma}"})
	v, err := f.svc.OpenResult(ctx, clerk, line)
	if err != nil {
		t.Fatal(err)
	}
	l := v.Life
	if !v.Fresh || l.Stage != lifecycle.StageResultReady || len(l.Procedures[0].Results) != 1 || l.Procedures[0].Results[0].Number == "" ||
		len(v.Collectors) != 1 || v.Collectors[0].ID != d.Subject.ID || v.Timeliness != lifecycle.TimelyEarly {
		t.Fatalf("opened: %+v %+v", v, l)
	}
	other := featured(t, "married")
	var ce *counter.CollectorError
	if _, err := f.svc.HandOver(ctx, clerk, counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: other}}); !errors.As(err, &ce) {
		t.Errorf("a stranger without authorisation: %v", err)
	}
	if _, err := f.svc.HandOver(ctx, clerk, counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: "12345"}}); !errors.As(err, &ce) {
		t.Errorf("a malformed ID: %v", err)
	}
	out, err := f.svc.HandOver(ctx, clerk, counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: other, Name: "Người Được Ủy Quyền", Source: forms.SourceCard},
		Authorisation: "Giấy ủy quyền số 12/UQ ngày 20/11/2026, chứng thực tại UBND phường"})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Sent || out.Life.Stage != lifecycle.StageReturned || out.Step.Receiver.Relation != lifecycle.ReceiverAuthorised ||
		out.Slip.Receiver.Authorisation == "" || len(out.Slip.Results) != 1 || out.Slip.Timeliness != "trước hạn" {
		t.Errorf("hand-over %+v", out)
	}
	again, err := f.svc.HandOver(ctx, clerk, counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: other, Name: "Người Được Ủy Quyền", Source: forms.SourceCard},
		Authorisation: "Giấy ủy quyền số 12/UQ ngày 20/11/2026, chứng thực tại UBND phường"})
	if err != nil || !again.Duplicate {
		t.Errorf("the same hand-over again: %v %+v", err, again.Step)
	}
	set := f.svc.RatingQuestions()
	r := lifecycle.Rating{Set: set.Version}
	for _, q := range set.Questions {
		r.Answers = append(r.Answers, lifecycle.RatingAnswer{Question: q.ID, Answer: q.Options[0].ID})
	}
	if _, err := f.svc.Rate(ctx, clerk, d.Code, lifecycle.Rating{Set: set.Version}, counter.StepOptions{}); !errors.Is(err, forms.ErrRating) {
		t.Errorf("an empty rating: %v", err)
	}
	rated, err := f.svc.Rate(ctx, clerk, d.Code, r, counter.StepOptions{})
	if err != nil || !rated.Sent {
		t.Fatalf("rating: %+v %v", rated, err)
	}
	returned := 0
	for _, e := range f.srv.Events() {
		if e.Kind == "returned" {
			returned++
		}
	}
	if returned != 1 {
		t.Errorf("the sandbox has %d hand-overs", returned)
	}
	if up, _ := f.srv.Life(d.Code); up.Stage != lifecycle.StageReturned {
		t.Errorf("upstream stage %s", up.Stage)
	}
	log := accessLog(t, f.store)
	var handed bool
	for _, e := range log {
		if e.Action == counter.ActionLife && e.Detail == "returned" && e.Subject == f.store.SubjectRef(other) && e.DossierCode == d.Code {
			handed = true
		}
	}
	if !handed {
		t.Error("the hand-over is not in the access log with the receiver")
	}
	assertNoRawID(t, log, other, d.Subject.ID)
}

// Offline: the results desk works on this machine's data; the hand-over is recorded and its
// event drains, once, when the link returns.
func TestResultsDeskOffline(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1, Span: time.Hour})
	d := receiveOne(t, f)
	f.clock.Advance(time.Hour)
	if rep, err := f.svc.Drain(ctx, 0); err != nil || rep.Pull.Updated != 1 {
		t.Fatalf("pull: %+v %v", rep.Pull, err)
	}
	setFaults(t, f, sandbox.Faults{Outage: sandbox.OutageDrop})
	v, err := f.svc.OpenResult(ctx, clerk, d.Code)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Offline || v.Fresh || v.Life.Stage != lifecycle.StageResultReady {
		t.Fatalf("offline view: fresh %v offline %v stage %s", v.Fresh, v.Offline, v.Life.Stage)
	}
	out, err := f.svc.HandOver(ctx, clerk, counter.HandOverRequest{Code: d.Code, Receiver: lifecycle.Receiver{ID: d.Subject.ID, Source: forms.SourceCard}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Sent || out.SendErr == nil || out.Life.Stage != lifecycle.StageReturned {
		t.Errorf("offline hand-over: sent %v err %v stage %s", out.Sent, out.SendErr, out.Life.Stage)
	}
	rep, err := f.svc.DrainWith(ctx, counter.DrainOptions{IgnoreBackoff: true})
	if err != nil || rep.Events.Waiting != 1 {
		t.Errorf("still offline: %+v %v", rep.Events, err)
	}
	setFaults(t, f, sandbox.Faults{})
	rep, err = f.svc.DrainWith(ctx, counter.DrainOptions{IgnoreBackoff: true})
	if err != nil || len(rep.Events.Sent) != 1 || rep.Events.Waiting != 0 {
		t.Fatalf("link back: %+v %v", rep.Events, err)
	}
	if _, err := f.svc.DrainWith(ctx, counter.DrainOptions{IgnoreBackoff: true}); err != nil {
		t.Fatal(err)
	}
	if ev := f.srv.Events(); len(ev) != 1 || ev[0].Kind != "returned" {
		t.Errorf("upstream events %+v", ev)
	}
}

// The sync worker records the agencies' steps (a supplement asked for, the result after it)
// in the local history; the dossier's events never overtake the dossier itself.
func TestPullTakesUpstreamSteps(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{Supplement: 1, Span: time.Hour})
	decl, _, _ := declaration(t, f, false)
	setFaults(t, f, sandbox.Faults{Outage: sandbox.OutageRefuse})
	rec, err := f.svc.Receive(ctx, decl, clerk, nil, "") // queued: the gateway refuses
	if err != nil || rec.Submitted {
		t.Fatalf("%+v %v", rec, err)
	}
	d := rec.Dossier
	// a step recorded while the dossier waits in the outbox: its event waits behind it
	if _, err := f.svc.Extend(ctx, clerk, d.Code, "", d.Appointment.AddDate(0, 0, 7), "Cần xác minh thêm", counter.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	setFaults(t, f, sandbox.Faults{})
	rep, err := f.svc.DrainWith(ctx, counter.DrainOptions{IgnoreBackoff: true})
	if err != nil || len(rep.Sent) != 1 || len(rep.Events.Sent) != 1 {
		t.Fatalf("dossier then event: %+v %v", rep, err)
	}
	f.clock.Advance(30 * time.Minute)
	if _, err := f.svc.Drain(ctx, 0); err != nil {
		t.Fatal(err)
	}
	l := lifeOf(t, f, d.Code)
	asked, ok := l.Last(lifecycle.EventSupplementRequested)
	if l.Stage != lifecycle.StageSupplement || !ok || asked.Origin != lifecycle.OriginAgency || len(asked.Items) == 0 || asked.Upstream == 0 {
		t.Fatalf("after the pull: %s %+v", l.Stage, l.History)
	}
	sup, err := f.svc.SupplementReceived(ctx, clerk, d.Code, "", "Đã nộp bản sao có chứng thực", counter.StepOptions{})
	if err != nil || !sup.Sent {
		t.Fatalf("supplement received: %+v %v", sup, err)
	}
	f.clock.Advance(40 * time.Minute)
	if _, err := f.svc.Drain(ctx, 0); err != nil {
		t.Fatal(err)
	}
	l = lifeOf(t, f, d.Code)
	if l.Stage != lifecycle.StageResultReady {
		t.Fatalf("after the result: %s %+v", l.Stage, l.History)
	}
	var origins []string
	for _, s := range l.History {
		origins = append(origins, string(s.Event)+"/"+s.Origin)
	}
	want := "received/counter extended/counter started/agency supplement_requested/agency supplement_received/counter result_ready/agency"
	if strings.Join(origins, " ") != want {
		t.Errorf("history %v\nwant %s", origins, want)
	}
}

// A bundle kept here: steps per procedure through the counter's use cases.
func TestBundleSteps(t *testing.T) {
	f := newWorkflowFixture(t, sandbox.Workflow{OnTime: 1})
	recv := f.clock.Now()
	d := lifecycle.Start{Code: agencyCode + "-261123-019999", Service: "lien-thong-khai-sinh", ServiceName: "Liên thông khai sinh",
		ReceivedAt: recv, By: "cb01", Agency: agencyCode, Counter: "01", Applicant: lifecycle.Applicant{Name: "Người Thử", ID: featured(t, "single")},
		Procedures: []lifecycle.Procedure{
			{ID: "khai-sinh", Name: "Đăng ký khai sinh", Agency: "UBND", Appointment: recv.Add(24 * time.Hour)},
			{ID: "thuong-tru", Name: "Đăng ký thường trú", Agency: "Công an", Appointment: recv.Add(72 * time.Hour)},
			{ID: "bhyt", Name: "Cấp thẻ BHYT", Agency: "BHXH", Appointment: recv.Add(72 * time.Hour)}}}
	l := lifecycle.NewLife(d)
	if err := f.store.Update(func(tx *offline.Tx) error { return putLifeForTest(tx, l) }); err != nil {
		t.Fatal(err)
	}
	st, err := f.svc.Stop(ctx, clerk, d.Code, "bhyt", "Trẻ đã có thẻ BHYT", counter.StepOptions{NoSend: true})
	if err != nil || st.Life.Stage != lifecycle.StageReceived || len(st.Notice.Procedures) != 1 || st.Notice.Handler != "BHXH" {
		t.Fatalf("stop one procedure: %+v %v", st, err)
	}
	ap, err := f.svc.Extend(ctx, clerk, d.Code, "thuong-tru", recv.Add(240*time.Hour), "Chờ xác minh chỗ ở", counter.StepOptions{NoSend: true})
	if err != nil || len(ap.Letter.Procedures) != 1 || ap.Letter.Procedures[0] != "Đăng ký thường trú" {
		t.Fatalf("extend one procedure: %+v %v", ap.Letter, err)
	}
	var de *counter.DoneError
	if _, err := f.svc.Stop(ctx, clerk, d.Code, "bhyt", "Lại", counter.StepOptions{NoSend: true}); !errors.As(err, &de) ||
		!strings.Contains(counter.Explain(err), "dừng giải quyết hồ sơ") {
		t.Errorf("a stopped procedure stopped again: %v (%s)", err, counter.Explain(err))
	}
	if _, err := f.svc.Stop(ctx, clerk, d.Code, "bhyt", "Lại", counter.StepOptions{NoSend: true, Key: "k2"}); !errors.Is(err, lifecycle.ErrTransition) {
		t.Errorf("a stopped procedure stopped again under a new key: %v", err)
	}
	if _, err := f.svc.Extend(ctx, clerk, d.Code, "bhyt", recv.Add(480*time.Hour), "Lại", counter.StepOptions{NoSend: true}); !errors.Is(err, lifecycle.ErrTransition) {
		t.Errorf("a stopped procedure extended: %v", err)
	}
	evs, _ := f.store.ListEvents(offline.OutboxPending)
	if len(evs) != 2 {
		t.Errorf("queued events: %+v", evs)
	}
}

func putLifeForTest(tx *offline.Tx, l *lifecycle.Life) error {
	blob, err := jsonMarshal(l)
	if err != nil {
		return err
	}
	return tx.PutLife(offline.LifeInfo{Code: l.Code, Stage: string(l.Stage), Service: l.Service, Counter: l.Counter, Channel: string(l.Channel),
		ReceivedAt: l.ReceivedAt, Due: l.Due, Appointment: l.Appointment, ResultAt: l.ResultAt, ReturnedAt: l.ReturnedAt}, blob)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
