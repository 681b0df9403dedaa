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

// Backend is everything the TUI asks of the rest of the program. Every call
// runs inside a tea.Cmd, never in Update.
type Backend interface {
	Lookup(ctx context.Context, id string, meta lookups.CallMeta) (*lookups.Resident, lookups.Origin, error)
	GatewayStatus(ctx context.Context) error
	PrinterStatus(ctx context.Context) (name string, err error)
	Services() []*forms.Spec
	// NewDeclaration starts an empty declaration of spec in the counter's context.
	NewDeclaration(spec *forms.Spec) *forms.Declaration
	// Drafts: saved (sealed) on every step, listed and resumed.
	SaveDraft(ctx context.Context, id, service string, blob []byte, op Operator, step string) error
	Drafts(ctx context.Context) ([]offline.DraftInfo, error)
	LoadDraft(ctx context.Context, id string) (*forms.Declaration, error)
	// Receive assigns the dossier code, saves the dossier (and drops its
	// draft), submits it and prints the receipt; a failed submit or print
	// never loses the dossier.
	Receive(ctx context.Context, decl *forms.Declaration, op Operator, receptionLookups []string, draftID string) (counter.Outcome, error)
	Explain(err error) string
	Now() time.Time
}
