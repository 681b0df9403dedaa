package tui

import (
	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/offline"
)

// Messages carry the answers of commands back to Update. Each answer about
// the citizen served carries the sequence number it was asked with, so that
// a late answer about a previous citizen is dropped.

// statusMsg is the answer of a status check (gateway, printer).
type statusMsg struct {
	link        string // Vietnamese link state ("" when unknown)
	gwErr       error
	printerName string
	printerErr  error
}

type statusTickMsg struct{}

// lookupMsg is a look-up's answer, for the citizen served (slot "") or a
// person slot of the declaration.
type lookupMsg struct {
	seq      int
	slot     string
	id       string
	card     *lookups.Citizen    // what the chip or the QR code gave (nil for a typed ID)
	source   lookups.ValueSource // forms.SourceCard, SourceQR or SourceTyped
	trusted  bool                // a QR scan's letters are intact
	resident *lookups.Resident
	origin   lookups.Origin
	err      error
}

type receivedMsg struct {
	seq     int
	outcome counter.Outcome
	err     error
}

type draftSavedMsg struct {
	seq int
	err error
}

type draftsMsg struct {
	seq    int
	drafts []counter.Draft
	err    error
}

// serviceOpenMsg answers whether a draft of the chosen service is kept for
// the citizen served (it is resumed) or not (a new declaration starts).
type serviceOpenMsg struct {
	seq     int
	spec    *forms.Spec
	draftID string
	err     error
}

type draftLoadedMsg struct {
	seq  int
	id   string
	decl *forms.Declaration
	err  error
}

type historyMsg struct {
	seq  int
	list []offline.DossierInfo
	err  error
}

type reprintedMsg struct {
	seq  int
	code string
	path string
	err  error
}

type loginMsg struct {
	backend Backend
	op      Operator
	err     error
}

// openedMsg is Options.Open's answer.
type openedMsg loginMsg

type idleTickMsg struct{}

// syncTickMsg drains the outbox: dossiers queued while the link was down are
// sent (with their idempotency keys) when it returns.
type syncTickMsg struct{ session int }

type syncedMsg struct {
	report       counter.DrainReport
	err          error
	printed      int // queued receipts printed now
	printWaiting int // documents (receipts, slips) still waiting for the printer
}

// sweepTickMsg removes expired look-ups from the cache (at start, hourly).
type sweepTickMsg struct{ session int }

// sessionStartMsg starts the session's background work once the first screen is up
// (see sessionDelay).
type sessionStartMsg struct{ session int }

// replayMsg asks Update to process the keys typed while a command ran.
type replayMsg struct{}
