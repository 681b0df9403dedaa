package tui

import (
	"context"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/internal/reports"
	"motcua/lookups"
	"motcua/offline"
)

// Operator is the logged-in person serving at the counter.
type Operator = counter.Operator

// The backend is what the TUI asks of the rest of the program, in named parts.
// Every call that may block (gateway, store, printer) runs inside a tea.Cmd,
// never in Update; the pure ones (Services, NewDeclaration, Explain, Now,
// Location, LinkLabel) may be called anywhere.

// Lookups asks the population database (through the cache when the link is down).
type Lookups interface {
	Lookup(ctx context.Context, id string, meta lookups.CallMeta) (*lookups.Resident, lookups.Origin, error)
}

// Health reports on the gateway link and the receipt printer.
type Health interface {
	GatewayStatus(ctx context.Context) error
	// LinkLabel is the link's state in Vietnamese, from the client's circuit
	// breaker (in memory: no I/O).
	LinkLabel() string
	PrinterStatus(ctx context.Context) (name string, err error)
}

// Catalog is the service catalog and the declarations' context.
type Catalog interface {
	Services() []*forms.Spec
	// NewDeclaration starts an empty declaration of spec in the counter's context.
	NewDeclaration(spec *forms.Spec) *forms.Declaration
}

// Drafts keeps declarations in progress, sealed, saved on every step.
type Drafts interface {
	SaveDraft(ctx context.Context, d counter.DraftSave, op Operator) error
	// Drafts lists them in a stable order, with whom each is about.
	Drafts(ctx context.Context) ([]counter.Draft, error)
	// FindDraft is the draft of a service kept for a citizen ("" when none).
	FindDraft(ctx context.Context, service, subjectID string) (string, error)
	LoadDraft(ctx context.Context, id string) (*forms.Declaration, error)
}

// Reception receives a dossier: code, save (dropping its draft), submission
// and receipt; a failed submission or print never loses the dossier.
type Reception interface {
	Receive(ctx context.Context, decl *forms.Declaration, op Operator, receptionLookups []string, draftID string) (counter.Outcome, error)
}

// Outcomes are the reception's other two outcomes and their papers: a
// supplement asked for (Mẫu 02: the declaration is kept, the slip's QR line
// brings it back) or a refusal (Mẫu 03), each printed like the receipt; and
// the processing-control sheet (Mẫu 06) of a dossier received.
type Outcomes interface {
	AskSupplement(ctx context.Context, op Operator, req counter.SupplementRequest) (counter.SlipOutcome, error)
	Refuse(ctx context.Context, op Operator, req counter.RefusalRequest) (counter.SlipOutcome, error)
	// PrintSlip prints a slip made here; it returns where it went.
	PrintSlip(ctx context.Context, op Operator, code string) (string, error)
	// ResumeSlip brings back the declaration of a supplement slip from its QR
	// line (hostile: the use case checks it).
	ResumeSlip(ctx context.Context, op Operator, line string) (counter.ResumedSlip, error)
	PrintControlSheet(ctx context.Context, op Operator, code string) (string, error)
}

// History lists the dossiers received on this machine and reprints receipts.
type History interface {
	Recent(ctx context.Context, n int) ([]offline.DossierInfo, error)
	Reprint(ctx context.Context, code string, op Operator) (string, error)
}

// Housekeeping is the background work of an open counter: the outbox, the
// print queue, the cache's time limit, the access log of card reads.
type Housekeeping interface {
	Drain(ctx context.Context, limit int) (counter.DrainReport, error)
	RetryPrints(ctx context.Context, operator string) (printed, waiting int, err error)
	SweepCache() (int, error)
	CardRead(op Operator, id string)
}

// Results is the results desk: a dossier opened from its receipt's QR line or
// code (from the gateway, or this machine's data when the link is down), the
// hand-over to the requester or an authorised person, the citizen's rating.
type Results interface {
	OpenResult(ctx context.Context, op Operator, line string) (*counter.DossierView, error)
	HandOver(ctx context.Context, op Operator, req counter.HandOverRequest) (counter.HandOverOutcome, error)
	// RatingQuestions is the question set (forms/ratingset/ratings.toml): pure.
	RatingQuestions() *forms.RatingSet
	Rate(ctx context.Context, op Operator, code string, r lifecycle.Rating, opt counter.StepOptions) (counter.LifeOutcome, error)
}

// Supervision is the supervisor's follow-up: the late watch with its apology (Mẫu 04) and
// the dossier book (Mẫu 07) with its export.
type Supervision interface {
	LateWatch(op Operator, opt counter.LateWatchOptions) ([]counter.LateItem, error)
	NewAppointment(op Operator, code string, days int) (time.Time, error)
	Extend(ctx context.Context, op Operator, code, procedure string, newAppointment time.Time, reason string, opt counter.StepOptions) (counter.ApologyOutcome, error)
	PrintApology(ctx context.Context, op Operator, letter forms.ApologyLetter) (string, error)
	Book(ctx context.Context, op Operator, f counter.BookFilter) (*counter.BookResult, error)
	ExportBook(ctx context.Context, op Operator, b forms.Book, path string) error
}

// Certification is the copy certification desk: register numbers, fees, the
// certification blocks and the fee receipt, the register's export.
type Certification interface {
	CertifyCopies(ctx context.Context, op Operator, req counter.CopyRequest) (*counter.CopyResult, error)
	ExportCertRegisterFiles(ctx context.Context, op Operator, year int) ([]string, error)
	// PrintDossierFeeReceipt prints the fee receipt (biên lai thu phí, lệ phí) of a
	// dossier received with a fee.
	PrintDossierFeeReceipt(ctx context.Context, op Operator, code string) ([]byte, error)
	// CopyFee is the fee of one copy of an original of pages pages (the schedule in
	// memory: no I/O).
	CopyFee(pages int) (int64, bool)
}

// Basics are the counter's clock, zone and wording of errors.
type Basics interface {
	Explain(err error) string
	Now() time.Time
	Location() *time.Location
}

// Backend is every part together: the counter service with the leadership's
// reports (reports.Desk) implements it.
type Backend interface {
	Lookups
	Health
	Catalog
	Drafts
	Reception
	Outcomes
	History
	Housekeeping
	Results
	Supervision
	Reports
	Certification
	Basics
}

var _ Backend = reports.Desk{}
