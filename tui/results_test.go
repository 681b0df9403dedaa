package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/card"
	"motcua/lookups/qr"
)

// fakeResults are the dossiers the fake backend's results desk knows; the
// lives move through the real state machine (forms/lifecycle).
type fakeResults struct {
	lives     map[string]*lifecycle.Life
	offline   bool  // the gateway does not answer: hand-overs and ratings wait in the queue
	slip      bool  // the province uses the hand-over slip
	slipErr   error // and the printer fails
	handovers []counter.HandOverRequest
	ratings   []fakeRating
}

type fakeRating struct {
	code, op string
	rating   lifecycle.Rating
}

// Synthetic dossiers of the results desk.
const (
	codeReady    = "T.01-261120-010001" // the result is ready; filed by id1
	codeWaiting  = "T.01-261121-010002" // still with the agency
	codeReturned = "T.01-261119-010003" // already handed over
)

var id2 = mustID("001", lookups.Male, birth1, 515151) // someone else, with an authorisation

func (b *fakeBackend) lifeFor(code string) *lifecycle.Life {
	if b.results.lives == nil {
		b.results.lives = map[string]*lifecycle.Life{}
		at := b.now.Add(-72 * time.Hour)
		mk := func(code string) *lifecycle.Life {
			return lifecycle.NewLife(lifecycle.Start{Code: code, Service: "xac-nhan-tthn", ServiceName: "Cấp giấy xác nhận tình trạng hôn nhân",
				ReceivedAt: at, Procedures: []lifecycle.Procedure{{ID: "xac-nhan-tthn", Name: "Cấp giấy xác nhận tình trạng hôn nhân",
					Agency: "UBND PHƯỜNG THỬ NGHIỆM", Appointment: b.now.Add(24 * time.Hour)}},
				Applicant: lifecycle.Applicant{Name: "Trần Thị Hòa", ID: id1}, By: "cb.test", Agency: "T.01", Counter: "01"})
		}
		ready := func(l *lifecycle.Life) {
			for _, c := range []lifecycle.Change{{Event: lifecycle.EventStarted}, {Event: lifecycle.EventResultReady}} {
				c.At, c.By, c.Origin = at.Add(time.Hour), "ubnd", lifecycle.OriginAgency
				if _, err := l.Apply(c); err != nil {
					panic(err)
				}
			}
			l.Procedures[0].Results = []lifecycle.ResultDocument{{Name: "Giấy xác nhận tình trạng hôn nhân", Number: "123/2026/XNTTHN", Copies: 2}}
		}
		l := mk(codeReady)
		ready(l)
		b.results.lives[codeReady] = l
		l = mk(codeWaiting)
		if _, err := l.Apply(lifecycle.Change{Event: lifecycle.EventStarted, At: at, By: "ubnd", Origin: lifecycle.OriginAgency}); err != nil {
			panic(err)
		}
		b.results.lives[codeWaiting] = l
		l = mk(codeReturned)
		ready(l)
		if _, err := l.Apply(lifecycle.Change{Event: lifecycle.EventReturned, At: at.Add(2 * time.Hour), By: "cb.test", Origin: lifecycle.OriginCounter,
			Receiver: &lifecycle.Receiver{ID: id1, Name: "Trần Thị Hòa", Relation: lifecycle.ReceiverRequester, Source: forms.SourceTyped}}); err != nil {
			panic(err)
		}
		b.results.lives[codeReturned] = l
	}
	return b.results.lives[code]
}

func (b *fakeBackend) OpenResult(_ context.Context, _ Operator, line string) (*counter.DossierView, error) {
	b.path.io("OpenResult")
	code, err := counter.ParseReceiptQR(line)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lifeFor(code)
	if l == nil {
		return nil, fmt.Errorf("%w: %s", counter.ErrNoDossier, code)
	}
	cp := *l
	return &counter.DossierView{Life: &cp, Fresh: !b.results.offline, Offline: b.results.offline, Timeliness: l.Timeliness(b.now, time.UTC),
		Collectors: []counter.Collector{{Relation: lifecycle.ReceiverRequester, Name: l.Applicant.Name, ID: l.Applicant.ID}}}, nil
}

func (b *fakeBackend) HandOver(_ context.Context, op Operator, req counter.HandOverRequest) (counter.HandOverOutcome, error) {
	b.path.io("HandOver")
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lifeFor(req.Code)
	if l == nil {
		return counter.HandOverOutcome{}, counter.ErrNoDossier
	}
	r := req.Receiver
	switch {
	case r.ID == l.Applicant.ID:
		r.Relation = lifecycle.ReceiverRequester
	case req.Authorisation == "":
		return counter.HandOverOutcome{}, &counter.CollectorError{Message: "Người nhận không phải người nộp hồ sơ: cần giấy ủy quyền."}
	default:
		r.Relation, r.Authorisation = lifecycle.ReceiverAuthorised, req.Authorisation
	}
	st, err := l.Apply(lifecycle.Change{Event: lifecycle.EventReturned, At: b.now, By: op.ID, Origin: lifecycle.OriginCounter, Receiver: &r})
	if err != nil {
		return counter.HandOverOutcome{}, err
	}
	b.results.handovers = append(b.results.handovers, req)
	cp := *l
	out := counter.HandOverOutcome{LifeOutcome: counter.LifeOutcome{Life: &cp, Step: st, Sent: !b.results.offline}}
	switch {
	case b.results.slipErr != nil:
		out.SlipErr = b.results.slipErr
	case b.results.slip:
		out.SlipPath = "/tmp/" + req.Code + "-ban-giao.pdf"
	}
	return out, nil
}

func (b *fakeBackend) RatingQuestions() *forms.RatingSet { return forms.Ratings() }

func (b *fakeBackend) Rate(_ context.Context, op Operator, code string, r lifecycle.Rating, _ counter.StepOptions) (counter.LifeOutcome, error) {
	b.path.io("Rate")
	if err := forms.Ratings().Check(r); err != nil {
		return counter.LifeOutcome{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lifeFor(code)
	st, err := l.Apply(lifecycle.Change{Event: lifecycle.EventRated, At: b.now, By: op.ID, Origin: lifecycle.OriginCounter, Rating: &r})
	if err != nil {
		return counter.LifeOutcome{}, err
	}
	b.results.ratings = append(b.results.ratings, fakeRating{code: code, op: op.ID, rating: r})
	return counter.LifeOutcome{Life: l, Step: st, Sent: !b.results.offline}, nil
}

// openResults goes to the results desk and scans a receipt's QR line.
func openResults(h *harness, line string) {
	h.t.Helper()
	h.key(tea.KeyF5)
	h.want("Trả kết quả", "Quét mã QR trên giấy biên nhận")
	h.typ(line)
	h.key(tea.KeyEnter)
}

// The results desk from the receipt's QR line to the rating, on the clerk's
// screen: the requester identified by typed ID, "trả kết quả", three answers
// by digit, recorded under the clerk.
func TestResultsDeskHandOverAndRating(t *testing.T) {
	h := newHarness(t)
	openResults(h, "https://dichvucong.example.vn/tra-cuu?ma="+codeReady)
	h.want(codeReady, "đã có kết quả, chờ trả", "Giấy xác nhận tình trạng hôn nhân, số 123/2026/XNTTHN (2 bản)",
		"Trần Thị Hòa hoặc người có giấy ủy quyền", "Người nhận: chạm thẻ căn cước")
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("Người nộp hồ sơ.", "Nhấn Enter để trả kết quả", "số định danh gõ tay")
	h.key(tea.KeyEnter)
	h.want("Đã trả kết quả lúc", "Đã trả kết quả và báo lên hệ thống", "Đánh giá của công dân", "Câu 1/3", "Rất hài lòng")
	if n := len(h.be.results.handovers); n != 1 || h.be.results.handovers[0].Receiver.ID != id1 || h.be.results.handovers[0].Receiver.Source != forms.SourceTyped {
		t.Fatalf("hand-overs: %+v", h.be.results.handovers)
	}
	h.typ("9") // not an option
	h.want("Chọn từ 1 đến 4")
	h.typ("1")
	h.want("Câu 2/3")
	h.key(tea.KeyBackspace) // back to the first question
	h.want("Câu 1/3")
	h.typ("2")
	h.typ("1")
	h.want("Câu 3/3", "0 để bỏ qua")
	h.typ("0") // the optional question left out
	h.want("Đã ghi đánh giá của công dân (trên màn hình quầy)")
	rs := h.be.results.ratings
	if len(rs) != 1 || rs[0].op != "cb.test" || rs[0].code != codeReady || len(rs[0].rating.Answers) != 2 ||
		rs[0].rating.Answers[0].Answer != "hai-long" || rs[0].rating.Answers[1].Answer != "tan-tinh" {
		t.Fatalf("ratings: %+v", rs)
	}
	if l := h.be.results.lives[codeReady]; l.Stage != lifecycle.StageReturned {
		t.Errorf("dossier stage %s after the hand-over", l.Stage)
	}
	h.key(tea.KeyEnter) // the next dossier
	h.want("Quét mã QR trên giấy biên nhận")
	if strings.Contains(h.screen(), codeReady) {
		t.Errorf("the previous dossier is still on screen:\n%s", h.screen())
	}
	h.key(tea.KeyEscape)
	if !h.on(scrIdentify) {
		t.Fatalf("esc did not return to the identification screen:\n%s", h.screen())
	}
}

// Someone other than the requester: refused without an authorisation, its
// reference recorded with one; the receiver read from the card's QR line.
func TestResultsDeskAuthorisedReceiver(t *testing.T) {
	h := newHarness(t)
	openResults(h, codeReady)
	h.typ(qrLine(id2, "Lê Văn Thử", "Nam"))
	h.key(tea.KeyEnter)
	h.want("Lê Văn Thử", "mã QR trên thẻ", "Không phải người nộp hồ sơ: ghi giấy ủy quyền")
	h.key(tea.KeyEnter) // nothing typed
	h.want("Ghi giấy ủy quyền")
	if len(h.be.results.handovers) != 0 {
		t.Fatal("handed over without an authorisation")
	}
	h.typ(strings.Repeat("x", maxAuthorisation+1))
	h.key(tea.KeyEnter)
	h.want("quá dài")
	h.key(tea.KeyEscape) // another receiver
	h.key(tea.KeyEscape) // another dossier
	h.want("Quét mã QR trên giấy biên nhận")
	h.typ(codeReady)
	h.key(tea.KeyEnter)
	h.typ(qrLine(id2, "Lê Văn Thử", "Nam"))
	h.key(tea.KeyEnter)
	h.typ("Giấy ủy quyền số 12/UQ ngày 20/11/2026 của Trần Thị Hòa")
	h.key(tea.KeyEnter)
	h.want("Lê Văn Thử (ủy quyền: Giấy ủy quyền số 12/UQ", "Câu 1/3")
	hs := h.be.results.handovers
	if len(hs) != 1 || hs[0].Receiver.ID != id2 || hs[0].Receiver.Source != forms.SourceQR || !strings.Contains(hs[0].Authorisation, "12/UQ") {
		t.Fatalf("hand-overs: %+v", hs)
	}
	h.key(tea.KeyEscape) // the citizen declines to rate
	h.want("Công dân không đánh giá.")
	if len(h.be.results.ratings) != 0 {
		t.Fatal("a declined rating was recorded")
	}
}

// The counter's refusals reach the clerk in its words: a result not ready,
// one already handed over; an unknown dossier.
func TestResultsDeskRefusals(t *testing.T) {
	h := newHarness(t)
	openResults(h, codeWaiting)
	h.want("đang giải quyết", "chưa có kết quả để trả")
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	h.want("Chưa trả kết quả: Không thể trả kết quả: hồ sơ đang giải quyết.", "Chưa có kết quả")
	h.key(tea.KeyEscape)
	h.key(tea.KeyEscape)
	h.typ(codeReturned)
	h.key(tea.KeyEnter)
	h.want("Hồ sơ này đã trả kết quả lúc")
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	h.want("Kết quả đã được trả trước đó.")
	h.key(tea.KeyEscape)
	h.key(tea.KeyEscape)
	h.typ("T.01-261122-019999")
	h.key(tea.KeyEnter)
	h.want("Không có hồ sơ với mã này trên máy và trên hệ thống.")
	if len(h.be.results.handovers) != 0 {
		t.Fatalf("hand-overs: %+v", h.be.results.handovers)
	}
}

// Hostile lines at the scan: malformed, foreign (a card's QR line, a web
// address without a code), oversized, control characters: each gets its own
// Vietnamese message and never reaches the backend.
func TestResultsDeskHostileScans(t *testing.T) {
	h := newHarness(t)
	h.key(tea.KeyF5)
	for _, c := range []struct{ line, want string }{
		{"", "Hãy quét mã QR trên giấy biên nhận"},
		{"xin chào", "không phải mã hồ sơ"},
		{"https://evil.example/?q=1", "không phải mã hồ sơ"},
		{qrLine(id1, "Trần Thị Hòa", "Nữ"), "Đây là mã QR trên thẻ căn cước, không phải giấy biên nhận"},
		{strings.Repeat("T", qr.MaxLine+1), "Dòng quét quá dài"},
		{"T.01-261120-01\x1b[31m0001", "không phải mã hồ sơ"},
	} {
		h.send(tea.PasteMsg{Content: c.line})
		h.key(tea.KeyEnter)
		h.want(c.want)
		if strings.Contains(h.screen(), "\x1b[31m") {
			t.Fatal("an escape sequence reached the screen")
		}
	}
	if len(h.be.lookups) != 0 || len(h.be.results.handovers) != 0 {
		t.Fatal("a hostile line reached the backend")
	}
	// the receiver's step: a receipt code, a bad ID, a broken card QR line
	h.typ(codeReady)
	h.key(tea.KeyEnter)
	for _, c := range []struct{ line, want string }{
		{codeReady, "Đây là mã hồ sơ, không phải số định danh"},
		{"123", "Số định danh của người nhận"},
		{"001|x|", "Mã QR"},
	} {
		h.send(tea.PasteMsg{Content: c.line})
		h.key(tea.KeyEnter)
		h.want(c.want)
	}
}

// Offline: the dossier opens from this machine's data, the hand-over and the
// rating are recorded and said to wait for the link.
func TestResultsDeskOffline(t *testing.T) {
	h := newHarness(t)
	h.be.results.offline = true
	openResults(h, codeReady)
	h.want("Mất kết nối hệ thống")
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	h.want("Chưa báo lên hệ thống được: sẽ tự gửi khi có kết nối", "chưa báo được — đã ghi trên máy")
	h.typ("1")
	h.typ("1")
	h.typ("1")
	h.want("Đã ghi đánh giá của công dân", "Chưa báo lên hệ thống: sẽ tự gửi khi có kết nối")
}

// qrLine is a card's QR line (synthetic person).
func qrLine(id, name, sex string) string {
	return id + "|" + "|" + name + "|14051996|" + sex + "|Số 9, ngõ Mẫu, Phường Ba Đình, Thành phố Hà Nội|01012021"
}

// The receiver taps their card: the identification screen's chip path, with
// no population look-up; a card that fails the chip's checks is refused.
func TestResultsDeskReceiverCard(t *testing.T) {
	steps, last := script(id1, nil)
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1, Name: "Trần Thị Hòa"}}, steps: steps, final: last}
	h := chipHarness(t, st)
	openResults(h, codeReady)
	h.key(tea.KeyF2)
	h.want("Chạm thẻ", "Trần Thị Hòa")
	h.key(tea.KeyEscape) // back without a card: the results desk, not the identification screen
	if !h.on(scrResults) {
		t.Fatalf("esc on the cards left the results desk:\n%s", h.screen())
	}
	h.key(tea.KeyF2)
	h.key(tea.KeyEnter)
	h.want("Trả kết quả", id1+" (chip trên thẻ)", "Trần Thị Hòa", "Người nộp hồ sơ. Nhấn Enter", "xác thực chip đạt")
	if len(h.be.lookups) != 0 || len(h.be.cardReads) != 1 {
		t.Fatalf("a receiver's card: look-ups %v, card reads logged %v", h.be.lookups, h.be.cardReads)
	}
	h.key(tea.KeyEnter)
	h.want("Đã trả kết quả lúc", "Câu 1/3")
	if hs := h.be.results.handovers; len(hs) != 1 || hs[0].Receiver.Source != forms.SourceCard || hs[0].Receiver.Name != "Trần Thị Hòa" {
		t.Fatalf("hand-overs: %+v", hs)
	}
}

func TestResultsDeskReceiverCardFailed(t *testing.T) {
	steps, last := script(id1, func(r *card.Result) { r.Active = card.Failed })
	st := &fakeStation{virtual: []lookups.CardInfo{{ID: id1, Name: "Trần Thị Hòa"}}, steps: steps, final: last}
	h := chipHarness(t, st)
	openResults(h, codeReady)
	h.key(tea.KeyF2)
	h.key(tea.KeyEnter)
	h.want("Người nộp hồ sơ. Nhấn Enter")
	h.key(tea.KeyEnter)
	h.want("KHÔNG vượt qua xác thực chip")
	if len(h.be.results.handovers) != 0 {
		t.Fatalf("handed over on a failed card: %+v", h.be.results.handovers)
	}
}

// Where the province uses the hand-over slip, the screen says it was printed
// and where, or why not (the hand-over is recorded either way).
func TestResultsDeskSlip(t *testing.T) {
	h := newHarness(t)
	h.be.results.slip = true
	openResults(h, codeReady)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	h.want("Phiếu bàn giao", "đã in — /tmp/"+codeReady+"-ban-giao.pdf")

	h = newHarness(t)
	h.be.results.slipErr = queuedPrint("Máy in hết giấy.")
	openResults(h, codeReady)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	h.want("Đã trả kết quả lúc", "Phiếu bàn giao", "chưa in được (đã lưu để in lại): Máy in hết giấy.")

	h = newHarness(t) // a province without the slip: nothing said
	openResults(h, codeReady)
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	if strings.Contains(h.screen(), "Phiếu bàn giao") {
		t.Errorf("a slip mentioned where none is used:\n%s", h.screen())
	}
}
