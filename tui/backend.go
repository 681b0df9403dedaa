package tui

import (
	"context"
	"time"

	"motcua/forms"
	"motcua/internal/counter"
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

// Backend is every part together: the counter service implements it.
type Backend interface {
	Lookups
	Health
	Catalog
	Drafts
	Reception
	History
	Housekeeping
	Certification
	Basics
}

var _ Backend = (*counter.Service)(nil)
