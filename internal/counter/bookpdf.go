package counter

import (
	"bufio"
	"os"
	"strings"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/printing"
)

// PrintBook is the book as printing.RenderBook prints it (Mẫu 07 in the form's columns): the
// period's end made inclusive, a row without the applicant's name (another counter's dossier
// the gateway did not name) printed with a dash, and what the form has no column for (the
// stage, the counter) left to the XLSX export; the note says only what is out of the
// ordinary (late, not in person, an authorised receiver, the dossier's own note).
func PrintBook(b forms.Book) printing.Book {
	out := printing.Book{Letterhead: printing.Letterhead{ParentAgency: b.ParentAgency, Agency: b.Agency,
		AgencyAddress: b.AgencyAddress, Place: b.Place}, From: b.From, To: b.To, Date: b.Date}
	if !b.To.IsZero() {
		out.To = b.To.Add(-time.Nanosecond)
	}
	switch {
	case out.From.IsZero() && out.To.IsZero():
		out.From, out.To = b.Date, b.Date
	case out.From.IsZero():
		out.From = out.To
	case out.To.IsZero():
		out.To = b.Date
	}
	if out.To.Before(out.From) {
		out.To = out.From
	}
	out.Rows = make([]printing.BookRow, len(b.Rows))
	for i, r := range b.Rows {
		name := r.Applicant
		if strings.TrimSpace(name) == "" {
			name = "—"
		}
		// the narrow "Ghi chú" column: only what is out of the ordinary
		var note []string
		if r.Timeliness == lifecycle.TimelinessLabel(lifecycle.TimelyLate) {
			note = append(note, "Quá hạn")
		}
		if r.Channel != "" && r.Channel != lifecycle.ChannelInPerson.Label() {
			note = append(note, "Nộp "+r.Channel)
		}
		if strings.HasSuffix(r.Receiver, "(được ủy quyền)") {
			note = append(note, "Người nhận: "+r.Receiver)
		}
		if r.Note != "" {
			note = append(note, r.Note)
		}
		out.Rows[i] = printing.BookRow{DossierCode: r.Code, Procedure: r.ServiceName, Sets: r.Count, Applicant: name,
			Address: r.Address, Handler: r.Handler, ReceivedAt: r.ReceivedAt, Appointment: r.Appointment,
			ResultAt: r.ResultAt, ReturnedAt: r.ReturnedAt, Note: strings.Join(note, "; ")}
	}
	return out
}

// ExportBookPDF writes the book to path (mode 0600) as an A4 landscape PDF in the form's
// columns. A book printing refuses (too many rows) returns its *printing.Error, whose
// Clerk says what to do.
func ExportBookPDF(path string, b forms.Book) (err error) {
	pb := PrintBook(b)
	if err := pb.Validate(); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<16)
	if err := printing.RenderBook(w, pb, printing.Options{Size: "A4", CreationDate: b.Date}); err != nil {
		return err
	}
	return w.Flush()
}
