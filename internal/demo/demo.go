// Package demo wires the embedded demo: the sandbox gateway served in-process
// on a loopback port (so the real HTTP client is used), the demo agency's
// configuration, and a virtual card reader holding the synthetic persons' cards.
package demo

import (
	"context"
	"fmt"
	"time"

	"motcua/internal/config"
	"motcua/lookups"
	"motcua/lookups/sandbox"
)

// Env is a running demo environment.
type Env struct {
	Config config.Config
	URL    string // base URL of the in-process sandbox gateway
	Server *sandbox.Server
	Reader *Reader
	stop   func()
}

// Close stops the sandbox server.
func (e *Env) Close() {
	if e.stop != nil {
		e.stop()
	}
}

// Config returns the demo agency's configuration with data under dataDir.
func Config(dataDir string) config.Config {
	cfg := config.Default()
	cfg.Agency = config.Agency{
		Code:        "DEMO.00004",
		Parent:      "UBND PHƯỜNG BA ĐÌNH",
		Name:        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
		Address:     "Địa chỉ demo — không phải trụ sở thật",
		Place:       "Phường Ba Đình",
		Police:      "Công an phường Ba Đình",
		ResultPlace: "Bộ phận Tiếp nhận và Trả kết quả, UBND phường Ba Đình (bản demo)",
	}
	cfg.Counter = 1
	cfg.DataDir = dataDir
	cfg.Gateway.Timeout = config.Duration{Duration: 5 * time.Second}
	return cfg
}

// Start serves the default synthetic population on 127.0.0.1 (a free port)
// and returns the demo environment using dataDir.
func Start(_ context.Context, dataDir string) (*Env, error) {
	pop := sandbox.Default()
	srv := sandbox.NewServer(pop, sandbox.Options{})
	url, stop, err := sandbox.Start("127.0.0.1:0", srv)
	if err != nil {
		return nil, fmt.Errorf("demo: start sandbox: %w", err)
	}
	cfg := Config(dataDir)
	cfg.Gateway.URL = url
	return &Env{Config: cfg, URL: url, Server: srv, Reader: NewReader(pop), stop: stop}, nil
}

// Reader is the demo's virtual card reader: tapping a card delivers the
// identity printed on (and stored in the chip of) a synthetic person's card.
// The chip emulator replaces the direct delivery when chip reading lands.
type Reader struct {
	pop   *sandbox.Population
	cards []lookups.CardInfo
}

// NewReader lists the featured persons' cards of pop.
func NewReader(pop *sandbox.Population) *Reader {
	r := &Reader{pop: pop}
	for _, f := range sandbox.Featured() {
		c, ok := pop.Card(f.ID)
		if !ok {
			continue
		}
		r.cards = append(r.cards, lookups.CardInfo{ID: f.ID, Name: c.FullName, Note: f.Note})
		// the married person's spouse too, so both parents of a newborn can tap their cards
		if res, ok := pop.Resident(f.ID); ok && f.Kind == "married" && res.Spouse != nil {
			if sc, ok := pop.Card(res.Spouse.ID); ok {
				r.cards = append(r.cards, lookups.CardInfo{ID: sc.ID, Name: sc.FullName,
					Note: "Vợ/chồng của " + c.FullName + " — dùng để thử liên thông khai sinh (cha, mẹ chạm thẻ)"})
			}
		}
	}
	return r
}

// Name is shown in the status bar.
func (r *Reader) Name() string { return "thẻ ảo (demo)" }

// Cards lists the cards that can be tapped.
func (r *Reader) Cards() []lookups.CardInfo { return r.cards }

// Read returns the card's identity.
func (r *Reader) Read(ctx context.Context, id string) (lookups.Citizen, error) {
	if err := ctx.Err(); err != nil {
		return lookups.Citizen{}, err
	}
	c, ok := r.pop.Card(id)
	if !ok {
		return lookups.Citizen{}, fmt.Errorf("demo: no card for this person")
	}
	return c, nil
}
