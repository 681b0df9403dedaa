package tui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/gateway/hostile"
)

// sgr matches the styling sequences the TUI writes itself (lipgloss).
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// assertScreenClean fails when the rendered frame holds a terminal control
// that is not the TUI's own styling, or a line forged by the gateway's text.
func assertScreenClean(t *testing.T, h *harness, what string) {
	t.Helper()
	raw := sgr.ReplaceAllString(h.m.View().Content, "")
	for _, c := range hostile.Controls {
		if strings.Contains(raw, c) {
			t.Errorf("%s: the frame holds %q", what, c)
		}
	}
	for _, line := range strings.Split(h.screen(), "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "ĐÃ GỬI THÀNH CÔNG") || strings.HasPrefix(l, "Tình trạng: ") {
			t.Errorf("%s: a line forged by the gateway: %q", what, line)
		}
	}
}

// TestHostileGatewayTextNeverReachesTheScreen: a resident and an error
// message from a hostile gateway, through the real client, carry ESC
// sequences, an OSC title, CR/LF and a bidi override; the resident panel,
// the form, the review, the receipt and the message line show the words
// without them.
func TestHostileGatewayTextNeverReachesTheScreen(t *testing.T) {
	gw := hostile.Start(t)
	c, err := gateway.New(gateway.Config{BaseURL: gw.URL, Timeout: 30 * time.Second, Retries: -1, BreakerFailures: -1})
	if err != nil {
		t.Fatal(err)
	}
	meta := lookups.CallMeta{Operator: "cb.test", Purpose: lookups.PurposeReception}
	fetch := func(r *lookups.Resident) *lookups.Resident {
		t.Helper()
		gw.SetResident(r.Citizen.ID, r)
		got, _, err := c.Lookup(context.Background(), r.Citizen.ID, meta)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	base := resident(id1, "Trần Thị Hòa", lookups.NeverMarried)
	self := lookups.PersonRef{ID: id1, FullName: base.Citizen.FullName, BirthDate: birth1, Sex: lookups.Female}
	base.Household = &lookups.Household{FileNumber: "HS-1", Head: lookups.Member{PersonRef: self, Relation: "Chủ hộ"},
		Members: []lookups.Member{{PersonRef: self, Relation: "Chủ hộ"}}}

	// The resident panel and the form with everything poisoned.
	h := newHarness(t)
	h.be.residents[id1] = fetch(hostile.Poisoned(base))
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("Bước 2 — Thông tin công dân", "Trần Thị Hòa")
	assertScreenClean(t, h, "resident panel")
	h.key(tea.KeyEnter)
	h.key(tea.KeyEnter)
	h.want("Bước 4")
	assertScreenClean(t, h, "form")

	// A refusal whose message is poisoned.
	gw.FailEvery(400, "bad_request", "Không tra được. "+hostile.Poison)
	h = newHarness(t)
	h.be.lookupErr = func() error { _, _, err := c.Lookup(context.Background(), id1, meta); return err }()
	h.typ(id1)
	h.key(tea.KeyEnter)
	h.want("Không tra được.")
	assertScreenClean(t, h, "message line")
	gw.AnswerEvery(nil)

	// A poisoned address (the forms refuse such a name) through to the receipt.
	addr := resident(id1, "Trần Thị Hòa", lookups.NeverMarried)
	addr.Permanent.Address.Detail += " " + hostile.Poison
	h = newHarness(t)
	h.be.residents[id1] = fetch(addr)
	openForm(h)
	assertScreenClean(t, h, "form with a poisoned address")
	h.typ("2")
	h.key(tea.KeyTab)
	h.typ("Bổ sung hồ sơ")
	h.key(tea.KeyF10)
	h.want("Bước 5 — Xem lại")
	assertScreenClean(t, h, "review")
	h.key(tea.KeyEnter)
	h.want("Đã tiếp nhận hồ sơ")
	assertScreenClean(t, h, "receipt")
}
