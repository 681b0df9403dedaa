package counter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/offline"
	"motcua/printing"
)

// Printing the reception slips (Mẫu 02, Mẫu 03) and the processing-control sheet (Mẫu 06)
// through the counter's printer, the one the receipts go to: the PDF backends (a folder, an
// IPP/CUPS queue) take them; a thermal printer cannot lay out an A5/A4 form and says so. A
// slip's content is kept sealed with the slip (makeSlip), so it can be printed again with
// PrintSlip; a failed print waits in the print queue like a receipt's (printDoc, RetryPrints);
// every print is in the access log.

// controlSheetSuffix names the control sheet's print job (and its file with the file
// printer): beside the receipt, never over it.
const controlSheetSuffix = "-phieu-kiem-soat"

// controlBlankRows are the empty rows of a control sheet printed at reception, for the
// hand-overs written by hand while the paper dossier moves between desks.
const controlBlankRows = 4

// ErrThermalForm says the thermal printer cannot print a form laid out for A5/A4 paper.
var ErrThermalForm = &printing.Error{
	Clerk: "Máy in nhiệt chỉ in giấy biên nhận: phiếu đã được lưu, hãy cấu hình máy in A4/A5 (hoặc thư mục PDF) để in phiếu.",
	Err:   errors.New("thermal printer cannot print an A5/A4 form"),
}

// PrintSlip prints a reception slip kept here (Mẫu 02 or Mẫu 03), right after it was made
// or again: it returns where it went (the file, or the printer's name).
func (s *Service) PrintSlip(ctx context.Context, op Operator, code string) (string, error) {
	// who may make neither kind learns nothing of the slips kept here
	if s.Allow(op, ActSupplement) != nil {
		if err := s.Allow(op, ActRefuse); err != nil {
			return "", err
		}
	}
	var (
		blob []byte
		info offline.SlipInfo
	)
	if err := s.store.View(func(tx *offline.Tx) (err error) { blob, info, err = tx.GetSlip(code); return err }); err != nil {
		return "", err
	}
	act := ActSupplement
	if info.Kind == offline.SlipRefusal {
		act = ActRefuse
	}
	if err := s.Allow(op, act); err != nil {
		return "", err
	}
	out, err := slipOutcome(info, blob)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	switch {
	case out.Supplement != nil:
		err = printing.RenderSupplementSlip(&buf, SupplementForm(*out.Supplement), printing.Options{})
	case out.Refusal != nil:
		err = printing.RenderRefusal(&buf, RefusalForm(*out.Refusal), printing.Options{})
	}
	if err != nil {
		return "", fmt.Errorf("counter: render slip %s: %w", code, err)
	}
	return s.printForm(ctx, op, offline.PrintSlip, code, buf.Bytes())
}

// PrintControlSheet prints Mẫu 06 of a dossier received here, brought up to date from its
// history; at reception (no hand-over yet) its first row names the desk and the handling
// agency, the rest is left blank for the hand-overs written by hand.
func (s *Service) PrintControlSheet(ctx context.Context, op Operator, code string) (string, error) {
	if err := s.Allow(op, ActReceiptPrint); err != nil {
		return "", err
	}
	return s.printControlSheet(ctx, op, code)
}

// printControlSheet is PrintControlSheet once the operator's right is checked (by hand:
// ActReceiptPrint; with a reception's receipt: ActReceive).
func (s *Service) printControlSheet(ctx context.Context, op Operator, code string) (string, error) {
	var l *lifecycle.Life
	if err := s.store.View(func(tx *offline.Tx) (err error) { l, err = s.readLife(tx, code); return err }); err != nil {
		return "", err
	}
	cs := ControlSheetForm(s.controlSheet(l), l)
	var buf bytes.Buffer
	if err := printing.RenderControlSheet(&buf, cs, printing.Options{}); err != nil {
		return "", fmt.Errorf("counter: render control sheet %s: %w", code, err)
	}
	return s.printForm(ctx, op, offline.PrintControlSheet, code, buf.Bytes())
}

// printForm prints a rendered form of the kind (offline.PrintSlip, PrintControlSheet,
// PrintHandover) through printDoc: a failure waits in the print queue.
func (s *Service) printForm(ctx context.Context, op Operator, kind, code string, pdf []byte) (string, error) {
	e := printEntry(kind, code)
	e.Operator, e.Outcome = s.actorID(op), "ok"
	return s.printDoc(ctx, kind, code, printing.Job{PDF: pdf}, e)
}

func letterhead(h forms.FormHeader) printing.Letterhead {
	return printing.Letterhead{ParentAgency: h.ParentAgency, Agency: h.Agency, AgencyAddress: h.AgencyAddress, Place: h.Place}
}

func formApplicant(a lifecycle.Applicant) printing.Applicant {
	return printing.Applicant{Name: a.Name, ID: a.ID, Phone: a.Phone, Address: a.Address}
}

// SupplementForm is the printing of Mẫu 02's content.
func SupplementForm(sl forms.SupplementSlip) printing.SupplementSlip {
	p := printing.SupplementSlip{Letterhead: letterhead(sl.FormHeader), SlipCode: sl.SlipCode, Date: sl.Date,
		DossierCode: sl.DossierCode, Officer: sl.Officer, Applicant: formApplicant(sl.Citizen),
		Procedures: []string{sl.ServiceName}, Reason: sl.Note, Contact: sl.Contact, QR: sl.QR}
	if p.SlipCode == "" {
		p.SlipCode = sl.DossierCode
	}
	for _, it := range sl.Items {
		p.Items = append(p.Items, printing.SupplementItem{Document: it.Document, Problem: it.Problem, Guidance: it.Guidance})
	}
	if !sl.Deadline.IsZero() {
		p.Reason = joinText(p.Reason, "Hạn bổ sung: "+sl.Deadline.Format("02/01/2006")+".")
	}
	return p
}

// RefusalForm is the printing of Mẫu 03's content.
func RefusalForm(r forms.RefusalSlip) printing.Refusal {
	p := printing.Refusal{Letterhead: letterhead(r.FormHeader), Number: r.SlipCode, Date: r.Date, Officer: r.Officer,
		Applicant: formApplicant(r.Citizen), Procedures: []string{r.ServiceName}, LegalBasis: r.Basis}
	p.Reasons = append(p.Reasons, r.Reasons...)
	if r.Note != "" {
		p.Reasons = append(p.Reasons, r.Note)
	}
	return p
}

// ControlSheetForm is the printing of Mẫu 06's content for the dossier l.
func ControlSheetForm(cs forms.ControlSheet, l *lifecycle.Life) printing.ControlSheet {
	p := printing.ControlSheet{Letterhead: letterhead(cs.FormHeader), Date: cs.Date, DossierCode: cs.DossierCode,
		Applicant: formApplicant(cs.Citizen), ReceivedAt: cs.ReceivedAt, Handler: joinList(cs.Handlers),
		BlankRows: controlBlankRows}
	for _, pr := range l.Procedures {
		p.Procedures = append(p.Procedures, printing.Procedure{Name: pr.Name, Appointment: pr.Appointment.In(cs.ReceivedAt.Location()), Handler: pr.Agency})
	}
	if len(p.Procedures) == 0 {
		p.Procedures = []printing.Procedure{{Name: cs.ServiceName, Appointment: cs.Appointment}}
	}
	for _, r := range cs.Rows {
		p.Handovers = append(p.Handovers, printing.Handover{From: r.From, To: r.To, At: r.At, Result: capitalFirst(r.Result), Note: r.Note})
	}
	if len(p.Handovers) == 0 {
		// at reception: the first hand-over, from the desk to the handling agency, to sign by hand
		p.Handovers = []printing.Handover{{From: "Bộ phận Tiếp nhận và Trả kết quả", To: p.Handler}}
		p.BlankRows--
	}
	return p
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}

func joinList(ss []string) string { return strings.Join(ss, "; ") }

// capitalFirst writes a timeliness label as the control sheet's result column does
// ("đúng hạn" -> "Đúng hạn").
func capitalFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
