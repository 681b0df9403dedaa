package tui

import (
	"context"
	"time"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups"
)

// Operator is the logged-in person serving at the counter.
type Operator = counter.Operator

// Backend is everything the TUI asks of the rest of the program. Every call
// runs inside a tea.Cmd, never in Update.
type Backend interface {
	Lookup(ctx context.Context, id string, meta lookups.CallMeta) (*lookups.Resident, lookups.Origin, error)
	GatewayStatus(ctx context.Context) error
	PrinterStatus(ctx context.Context) (name string, err error)
	Services() []*forms.Spec
	Prefill(spec *forms.Spec, card *lookups.Citizen, cardSource string, res *lookups.Resident, origin lookups.Origin) *forms.Declaration
	// Receive assigns the dossier code, saves the dossier, submits it and
	// prints the receipt; a failed submit or print never loses the dossier.
	Receive(ctx context.Context, decl *forms.Declaration, op Operator, receptionLookups []string) (counter.Outcome, error)
	Explain(err error) string
	Now() time.Time
}
