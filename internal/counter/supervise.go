package counter

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"motcua/forms"
	"motcua/offline"
	"motcua/printing"
)

// The supervisor's follow-up from the counter screen: the apology of the late watch printed
// (Mẫu 04), the dossier book exported.

// PrintApology prints the apology letter of an extension (Mẫu 04, A5) on the counter's
// printer; it returns where the printer put it (a file printer's path, else the printer's
// name). Only those who may extend a dossier's appointment print its letter. A failure waits
// in the print queue (printDoc: ErrPrintQueued) and prints by itself once the printer works.
func (s *Service) PrintApology(ctx context.Context, op Operator, letter forms.ApologyLetter) (string, error) {
	if err := s.Allow(op, ActExtend); err != nil {
		return "", err
	}
	a := PrintApologyOf(letter)
	var buf bytes.Buffer
	if err := printing.RenderApology(&buf, a, printing.Options{CreationDate: letter.Date}); err != nil {
		return "", err
	}
	return s.printForm(ctx, op, offline.PrintApology, letter.DossierCode, buf.Bytes())
}

// PrintApologyOf is the letter as printing.RenderApology prints it: each late procedure
// with the appointment missed and the new one.
func PrintApologyOf(l forms.ApologyLetter) printing.Apology {
	a := printing.Apology{Letterhead: printing.Letterhead{ParentAgency: l.ParentAgency, Agency: l.Agency, AgencyAddress: l.AgencyAddress,
		Place: l.Place}, Number: l.Number, Date: l.Date, Issuer: l.Handler,
		Applicant:   printing.Applicant{Name: l.Citizen.Name, Phone: l.Citizen.Phone, Address: l.Citizen.Address},
		DossierCode: l.DossierCode, ReceivedAt: l.ReceivedAt, Reason: l.Reason}
	names := l.Procedures
	if len(names) == 0 {
		names = []string{l.ServiceName}
	}
	for _, n := range names {
		a.Late = append(a.Late, printing.LateProcedure{Name: n, Appointment: l.Appointment, NewAppointment: l.NewAppointment})
	}
	return a
}

// ExportBook writes a book made by Book to path, XLSX or PDF by its extension (.xlsx, .pdf),
// and logs the export (the file holds names).
func (s *Service) ExportBook(_ context.Context, op Operator, b forms.Book, path string) error {
	if err := s.Allow(op, ActBook); err != nil {
		return err
	}
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		err = ExportBookXLSX(path, b)
	case ".pdf":
		err = ExportBookPDF(path, b)
	default:
		return fmt.Errorf("counter: book export to %q: not .xlsx or .pdf", filepath.Base(path))
	}
	if err != nil {
		return err
	}
	s.BookExported(op, len(b.Rows))
	return nil
}

// PrintHandoverSlipOf is a hand-over slip as printing.RenderHandoverSlip prints it (the
// receiver's ID masked there); a procedure whose result paper is not named yet prints the
// procedure's name as its result.
func PrintHandoverSlipOf(h forms.HandoverSlip) printing.HandoverSlip {
	out := printing.HandoverSlip{Letterhead: printing.Letterhead{ParentAgency: h.ParentAgency, Agency: h.Agency,
		AgencyAddress: h.AgencyAddress, Place: h.Place}, Number: h.Number, Date: h.ReturnedAt,
		Applicant:   printing.Applicant{Name: h.Citizen.Name, Phone: h.Citizen.Phone, Address: h.Citizen.Address},
		DossierCode: h.DossierCode, Service: h.ServiceName, ReceivedAt: h.ReceivedAt, Appointment: h.Appointment,
		Timeliness: h.Timeliness, Receiver: h.Receiver.Name, ReceiverID: h.Receiver.ID, Authorisation: h.Receiver.Authorisation,
		Officer: h.Officer}
	if out.Date.IsZero() {
		out.Date = h.Date
	}
	for _, r := range h.Results {
		doc := r.Document.Name
		if doc == "" {
			doc = "Kết quả giải quyết thủ tục " + r.Procedure
		}
		out.Results = append(out.Results, printing.HandoverItem{Procedure: r.Procedure, Document: doc, Number: r.Document.Number,
			Copies: r.Document.Copies})
	}
	if len(out.Results) == 0 {
		out.Results = []printing.HandoverItem{{Procedure: h.ServiceName, Document: "Kết quả giải quyết thủ tục " + h.ServiceName}}
	}
	return out
}
