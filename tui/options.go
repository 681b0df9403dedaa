package tui

import (
	"context"
	"time"

	"motcua/lookups/card"
	"motcua/tui/portrait"
)

// Options configure the program.
type Options struct {
	Backend Backend
	Reader  card.Station // where cards are tapped (nil: none)
	// WatchReaders follows the PC/SC readers and cards (nil: the station does
	// not report them, as the demo's virtual reader).
	WatchReaders func(ctx context.Context) <-chan card.ReaderEvent
	// CardTimeout bounds one chip read (default 20s).
	CardTimeout time.Duration
	Operator    Operator
	Agency      string // shown in the title bar
	Demo        bool
	// StatusEvery is the gateway/printer status polling period (default 15s).
	StatusEvery time.Duration
	// Location is the counter's time zone for every time shown (default Local).
	Location *time.Location
	// Login unlocks the store for an operator and returns the backend; the
	// program starts on its login screen when Backend is nil, and returns to
	// it after IdleLock without a key (0: never locks).
	Login func(ctx context.Context, id, passphrase string) (Backend, Operator, error)
	// Open, when set and Backend is nil, opens the counter while its first
	// screen is drawn (the demo: its store unlocked with the key file): the
	// program starts on the identification screen at once, keys typed
	// meanwhile wait in order, and a failure ends the program (Open's caller
	// keeps the error and reports it).
	Open     func(ctx context.Context) (Backend, Operator, error)
	IdleLock time.Duration
	// SyncEvery is how often queued dossiers are sent again (default 30s).
	SyncEvery time.Duration
	// Portrait is how the chip's portrait is shown (card.portrait; Auto detects).
	Portrait portrait.Mode
	// Getenv reads the environment for the terminal's kind (default os.Getenv).
	Getenv func(string) string
	// ExportDir is where the dossier book is exported ("": the user's home folder).
	ExportDir string
	// Telex starts with the built-in Telex typing on; TelexOldStyle puts tone
	// marks the old way (hoà) instead of the new (hòa).
	Telex, TelexOldStyle bool
	// RatingLink is the channel to the rating screen facing the citizen (nil:
	// the citizen rates on the counter's screen only).
	RatingLink RatingLink
}
