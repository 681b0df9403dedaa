package portrait

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// run executes cmd as Bubble Tea would and returns the messages it
// produced, batches flattened.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, run(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

func raws(msgs []tea.Msg) (raw []string, others []tea.Msg) {
	for _, m := range msgs {
		if r, ok := m.(tea.RawMsg); ok {
			raw = append(raw, r.Msg.(string))
		} else {
			others = append(others, m)
		}
	}
	return raw, others
}

func checkBlock(t *testing.T, v string, cols, rows int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != rows {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), rows, v)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != cols {
			t.Errorf("line %d is %d cells, want %d", i, w, cols)
		}
	}
}

// TestModelSixelDrawsAfterTheFrame: the view reserves the box, and the
// picture comes as a raw write scheduled after the frame, at the box's
// screen position (the picture centred in the box).
func TestModelSixelDrawsAfterTheFrame(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	m := NewModel(Sixel, env())
	m.Term.Cell = cell
	m, _ = m.SetPortrait(p)
	m, cmd := m.SetBox(40, 3, 16, 10, true)

	v := m.View()
	checkBlock(t, v, 16, 10)
	if n := strings.Count(v, reserve); n != 15*10 {
		t.Errorf("%d reserved cells, want 150", n)
	}
	if strings.Contains(v, "\x1b") {
		t.Error("the reserved box must hold no escape sequence")
	}

	raw, others := raws(run(cmd))
	if len(raw) != 0 || len(others) != 1 {
		t.Fatalf("SetBox must only schedule the draw, got %d raw writes and %v", len(raw), others)
	}
	m2, cmd := m.Update(others[0])
	raw, _ = raws(run(cmd))
	if len(raw) != 1 {
		t.Fatalf("the draw wrote %d sequences", len(raw))
	}
	want := At(40, 3, p.Sixel(16, 10, cell)) // 15 of 16 columns: left margin 0
	if raw[0] != want {
		t.Errorf("draw %q…, want %q…", raw[0][:20], want[:20])
	}
	if !strings.HasPrefix(raw[0], "\x1b7\x1b[4;41H\x1bP") {
		t.Errorf("draw starts %q", raw[0][:20])
	}

	// A draw scheduled before the box moved is dropped: the newer one wins.
	m3, cmd := m2.SetBox(0, 1, 16, 10, true)
	if _, c := m3.Update(others[0]); c != nil {
		t.Error("a stale draw was not dropped")
	}
	_, next := raws(run(cmd))
	_, cmd = m3.Update(next[0])
	raw, _ = raws(run(cmd))
	if len(raw) != 1 || !strings.HasPrefix(raw[0], "\x1b7\x1b[2;1H\x1bP") {
		t.Errorf("draw after the move: %q", raw)
	}

	// A resize repaints the screen: the picture is drawn again.
	_, cmd = m3.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if _, o := raws(run(cmd)); len(o) != 1 {
		t.Errorf("no redraw after a resize: %v", o)
	}
	// Hidden: nothing to draw.
	m4, cmd := m3.SetBox(0, 1, 16, 10, false)
	if msgs := run(cmd); len(msgs) != 0 {
		t.Errorf("hidden box still draws: %v", msgs)
	}
	if _, c := m4.Update(drawMsg{m4.gen}); c != nil {
		t.Error("hidden box drew")
	}
}

func TestModelITerm2(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	m := NewModel(Auto, env("TERM_PROGRAM", "iTerm.app"))
	m, _ = m.SetPortrait(p)
	m, cmd := m.SetBox(2, 2, 16, 10, true)
	_, next := raws(run(cmd))
	_, cmd = m.Update(next[0])
	raw, _ := raws(run(cmd))
	if len(raw) != 1 || raw[0] != At(2, 2, p.ITerm2(16, 10, CellSize{})) {
		t.Errorf("iTerm2 draw %q", raw)
	}
}

// TestModelKitty: the picture is sent once under an id, the view carries
// the placeholders of that id, a new portrait frees the old id.
func TestModelKitty(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	m := NewModel(Kitty, env())
	if m.Init() != nil {
		t.Error("a configured mode asks nothing")
	}
	m, _ = m.SetPortrait(p)
	m, cmd := m.SetBox(0, 0, 16, 10, true)
	raw, others := raws(run(cmd))
	if len(raw) != 1 || len(others) != 0 {
		t.Fatalf("raw %d others %v", len(raw), others)
	}
	opts, _ := kittyChunks(t, raw[0], false)
	if opts[0].ID != 16 || opts[0].Columns != 15 || opts[0].Rows != 10 {
		t.Errorf("sent %+v", opts[0])
	}
	v := m.View()
	checkBlock(t, v, 16, 10)
	if strings.Count(v, "\x1b[38;5;16m") != 10 || strings.Count(v, string(rune(0x10EEEE))) != 150 {
		t.Errorf("placeholders of id 16 missing:\n%q", v)
	}

	// A resize or a move does not send the picture again: the placeholders
	// carry it.
	m, cmd = m.Update(tea.WindowSizeMsg{Width: 100, Height: 40})
	if msgs := run(cmd); len(msgs) != 0 {
		t.Errorf("resize sent %d messages", len(msgs))
	}
	m, cmd = m.SetBox(5, 5, 16, 10, true)
	if msgs := run(cmd); len(msgs) != 0 {
		t.Errorf("move sent %d messages", len(msgs))
	}

	q := New("JPEG", faceJPEG(t))
	m, cmd = m.SetPortrait(q)
	raw, _ = raws(run(cmd))
	if len(raw) != 1 || !strings.HasPrefix(raw[0], KittyDelete(16, false)) || !strings.Contains(raw[0], "i=17") {
		t.Errorf("new portrait: %q…", raw[0][:60])
	}
	// Leaving the screen frees the picture.
	_, cmd = m.SetBox(0, 0, 16, 10, false)
	raw, _ = raws(run(cmd))
	if len(raw) != 1 || raw[0] != KittyDelete(17, false) {
		t.Errorf("hide: %q", raw)
	}
}

// TestModelUpgradesOnAnswer: half blocks at once, sixel when the terminal
// lists it, and the view follows.
func TestModelUpgradesOnAnswer(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	m := NewModel(Auto, env("WT_SESSION", "1"))
	if raw, _ := raws(run(m.Init())); len(raw) != 1 || !strings.HasSuffix(raw[0], "\x1b[c") {
		t.Errorf("init %q", raw)
	}
	m, _ = m.SetPortrait(p)
	m, _ = m.SetBox(0, 0, 14, 8, true)
	if v := m.View(); v != p.View(14, 8) {
		t.Errorf("before the answer the view is not the half blocks:\n%s", v)
	}
	m, _ = m.Update(uv.CellSizeEvent{Width: 10, Height: 20})
	m, cmd := m.Update(uv.PrimaryDeviceAttributesEvent{61, 4})
	if m.Term.Mode != Sixel {
		t.Fatalf("mode %v", m.Term.Mode)
	}
	if _, o := raws(run(cmd)); len(o) != 1 {
		t.Errorf("no draw scheduled on the upgrade: %v", o)
	}
	if v := m.View(); !strings.Contains(v, reserve) {
		t.Errorf("the view does not reserve the box:\n%s", v)
	}
}

func TestModelViewCases(t *testing.T) {
	m := NewModel(Blocks, env())
	if m.View() != "" {
		t.Error("no portrait, no box: empty view")
	}
	bad := New("JPEG 2000", []byte{0xFF, 0x4F, 0xFF, 0x51})
	for _, mode := range []Mode{Blocks, Kitty, Sixel, ITerm2} {
		m := NewModel(mode, env())
		m, _ = m.SetPortrait(bad)
		m, _ = m.SetBox(0, 0, 20, 6, true)
		v := m.View()
		checkBlock(t, v, 20, 6)
		if !strings.Contains(strings.ReplaceAll(ansi.Strip(v), "\n", " "), "JPEG 2000") {
			t.Errorf("%v: the message is not shown:\n%s", mode, v)
		}
	}
	m = NewModel(Off, env())
	m, _ = m.SetPortrait(New("JPEG", faceJPEG(t)))
	m, _ = m.SetBox(0, 0, 20, 6, true)
	if m.View() != "" {
		t.Error("off shows something")
	}
}

// TestModelColourProfiles: colour half blocks where the renderer has 256
// colours or more, grey levels on 16 colours, the clerk's line on none.
func TestModelColourProfiles(t *testing.T) {
	p := New("JPEG", faceJPEG(t))
	m := NewModel(Blocks, env())
	m, _ = m.SetPortrait(p)
	m, _ = m.SetBox(0, 0, 14, 8, true)
	for _, tc := range []struct {
		profile colorprofile.Profile
		want    string
	}{
		{colorprofile.TrueColor, p.View(14, 8)},
		{colorprofile.ANSI256, p.View(14, 8)},
		{colorprofile.ANSI, p.ViewGray(14, 8)},
		{colorprofile.ASCII, boxed(noColours, 14, 8)},
		{colorprofile.NoTTY, boxed(noColours, 14, 8)},
	} {
		m, _ := m.Update(tea.ColorProfileMsg{Profile: tc.profile})
		if got := m.View(); got != tc.want {
			t.Errorf("%v: view\n%s\nwant\n%s", tc.profile, got, tc.want)
		}
	}
	gray := p.ViewGray(14, 8)
	checkBlock(t, gray, 14, 8)
	if gray == p.View(14, 8) {
		t.Fatal("grey view is the colour view")
	}
	// Every colour is a grey, and the range is stretched to black and white.
	cells := cellColours(t, strings.Split(gray, "\n"))
	seen := map[string]bool{}
	for _, c := range cells {
		for _, rgb := range strings.Split(c, "/") {
			if rgb == "" {
				continue
			}
			v := strings.Split(rgb, ",")
			if v[0] != v[1] || v[1] != v[2] {
				t.Fatalf("not a grey: %s", rgb)
			}
			seen[v[0]] = true
		}
	}
	if !seen["0"] || !seen["255"] {
		t.Errorf("grey range not stretched to 0..255")
	}
}
