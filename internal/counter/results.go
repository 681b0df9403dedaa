package counter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/lookups/pid"
	"motcua/offline"
	"motcua/printing"
)

// The results desk: the receipt's QR line (a handheld scanner types it) or the code typed
// opens the dossier — its stage, each procedure's result documents, who may collect them —
// from the gateway when it answers, from this machine's data when it does not. The receiver
// proves who they are (card, card QR or typed ID): the requester, or someone holding an
// authorisation, recorded. The hand-over ("trả kết quả") is recorded with time, operator and
// receiver and goes upstream through the event queue; the citizen's rating too.

// OpenResult opens a dossier at the results desk from a receipt's QR line or a typed code.
func (s *Service) OpenResult(ctx context.Context, op Operator, line string) (*DossierView, error) {
	code, err := ParseReceiptQR(line)
	if err != nil {
		return nil, err
	}
	return s.DossierStatus(ctx, op, code, true)
}

// HandOverRequest is a result handed over.
type HandOverRequest struct {
	Code string
	// Receiver is who collects: ID (12 digits), name, and how the ID was read (Source:
	// forms.SourceCard, SourceQR or SourceTyped). Relation is decided here.
	Receiver lifecycle.Receiver
	// Authorisation describes the authorisation paper when the receiver is not the requester
	// (kind, number, date, who signed): without it such a receiver is refused.
	Authorisation string
	Options       StepOptions
}

// HandOverOutcome is a hand-over recorded, with its slip.
type HandOverOutcome struct {
	LifeOutcome
	Slip forms.HandoverSlip
	// Where the province uses the slip (Config.HandoverSlip), SlipPath is where it was printed
	// (the PDF's path for the file printer, else the printer's name) or SlipErr why not; the
	// hand-over is recorded either way. Both empty: not printed (not used, or a rerun).
	SlipPath string
	SlipErr  error
}

// ErrNotCollector says the receiver is not the requester and shows no authorisation. The error
// is a *CollectorError.
var ErrNotCollector = errors.New("counter: the receiver may not collect this result")

// CollectorError says, in Vietnamese, why the receiver may not collect.
type CollectorError struct{ Message string }

func (e *CollectorError) Error() string { return "counter: receiver refused: " + e.Message }

func (e *CollectorError) Unwrap() error { return ErrNotCollector }

// HandOver records that the result was handed over. Offline it is recorded all the same; its
// event waits in the queue and drains when the link returns.
func (s *Service) HandOver(ctx context.Context, op Operator, req HandOverRequest) (HandOverOutcome, error) {
	if err := s.Allow(op, ActReturn); err != nil {
		return HandOverOutcome{}, err
	}
	r := req.Receiver
	r.ID, r.Name = strings.TrimSpace(r.ID), clean(r.Name)
	if err := pid.Validate(r.ID, lookups.Date{}, ""); err != nil {
		return HandOverOutcome{}, &CollectorError{"Số định danh của người nhận không hợp lệ: chạm thẻ, quét mã QR trên thẻ hoặc gõ lại 12 chữ số."}
	}
	if r.Source == "" {
		r.Source = forms.SourceTyped
	}
	// the gateway first (the result may have just come); offline, this machine's data
	var l *lifecycle.Life
	view, err := s.DossierStatus(ctx, op, req.Code, true)
	if err != nil {
		return HandOverOutcome{}, err
	}
	l = view.Life
	auth := clean(req.Authorisation)
	switch {
	case l.Applicant.ID != "" && r.ID == l.Applicant.ID:
		r.Relation, r.Authorisation = lifecycle.ReceiverRequester, ""
		if r.Name == "" {
			r.Name = l.Applicant.Name
		}
	case auth == "":
		return HandOverOutcome{}, &CollectorError{"Người nhận không phải người nộp hồ sơ: cần giấy ủy quyền (ghi loại giấy, số, ngày, người ủy quyền)."}
	case utf8.RuneCountInString(auth) > 300:
		return HandOverOutcome{}, &CollectorError{"Mô tả giấy ủy quyền quá dài (tối đa 300 ký tự)."}
	default:
		r.Relation, r.Authorisation = lifecycle.ReceiverAuthorised, auth
	}
	out, err := s.after(ctx, op, req.Code, lifeAction{act: ActReturn, change: lifecycle.Change{Event: lifecycle.EventReturned, Receiver: &r},
		subject: s.store.SubjectRef(r.ID)}, req.Options)
	if err != nil {
		return HandOverOutcome{}, err
	}
	res := HandOverOutcome{LifeOutcome: out, Slip: s.HandoverSlipOf(out.Life, out.Step, officerName(op))}
	if s.cfg.HandoverSlip && !out.Duplicate {
		res.SlipPath, res.SlipErr = s.printHandover(ctx, op, res.Slip)
	}
	return res, nil
}

// handoverSuffix names the slip's print job beside the dossier's receipt (<code>-ban-giao.pdf).
const handoverSuffix = "-ban-giao"

// printHandover renders the hand-over slip (A5) and prints it (printForm: the access log
// records it, a failure waits in the print queue).
func (s *Service) printHandover(ctx context.Context, op Operator, slip forms.HandoverSlip) (string, error) {
	p := PrintHandoverSlipOf(slip)
	var buf bytes.Buffer
	if err := printing.RenderHandoverSlip(&buf, p, printing.Options{}); err != nil {
		return "", err
	}
	return s.printForm(ctx, op, offline.PrintHandover, slip.DossierCode, buf.Bytes())
}

// HandoverSlipOf is the hand-over slip of a hand-over step.
func (s *Service) HandoverSlipOf(l *lifecycle.Life, st lifecycle.Step, officer string) forms.HandoverSlip {
	slip := forms.HandoverSlip{FormHeader: s.header(st.At), DossierCode: l.Code, Citizen: l.Applicant, ServiceName: l.ServiceName,
		ReceivedAt: l.ReceivedAt.In(s.loc()), Appointment: l.Appointment.In(s.loc()), ReturnedAt: st.At.In(s.loc()),
		Timeliness: lifecycle.TimelinessLabel(l.Timeliness(st.At, s.loc())), Officer: officer}
	if st.Receiver != nil {
		slip.Receiver = *st.Receiver
	}
	for _, p := range l.Procedures {
		if p.Stage != lifecycle.StageReturned {
			continue
		}
		if len(p.Results) == 0 {
			slip.Results = append(slip.Results, forms.HandoverItem{Procedure: p.Name, Document: lifecycle.ResultDocument{Name: "Kết quả: " + p.Name}})
		}
		for _, d := range p.Results {
			slip.Results = append(slip.Results, forms.HandoverItem{Procedure: p.Name, Document: d})
		}
	}
	return slip
}

// RatingQuestions is the question set the citizen answers (forms/ratingset/ratings.toml).
func (s *Service) RatingQuestions() *forms.RatingSet { return forms.Ratings() }

// Rate records the citizen's rating of a dossier's service (once per dossier).
func (s *Service) Rate(ctx context.Context, op Operator, code string, r lifecycle.Rating, opt StepOptions) (LifeOutcome, error) {
	if err := s.Allow(op, ActRate); err != nil {
		return LifeOutcome{}, err
	}
	r.Comment = strings.TrimSpace(r.Comment)
	if err := forms.Ratings().Check(r); err != nil {
		return LifeOutcome{}, err
	}
	if !validDossierCode(code) {
		return LifeOutcome{}, fmt.Errorf("%w: %q", ErrBadCode, clipCode(code))
	}
	return s.after(ctx, op, code, lifeAction{act: ActRate, change: lifecycle.Change{Event: lifecycle.EventRated, Rating: &r}}, opt)
}
