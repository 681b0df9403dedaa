package portrait

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// How graphics reach the screen without breaking Bubble Tea's frame.
//
// Bubble Tea v2 renders each frame into a grid of cells and writes only the
// cells that changed; a graphic is not a cell, so it cannot be part of
// View's string. The program writes it instead with tea.Raw, which Bubble
// Tea flushes at the next frame tick, before that tick's frame. Two ways:
//
//   - kitty: the picture is sent once (tea.Raw; a=T with a virtual
//     placement and replies suppressed) and the frame carries Unicode
//     placeholder cells (U+10EEEE, row and column as diacritics, image id as
//     the colour). The placeholders are ordinary text to the renderer: moved,
//     redrawn after a resize and erased with the rest of the frame, so the
//     frame stays intact by construction. Works through tmux too (with
//     allow-passthrough on).
//   - sixel and iTerm2: the picture is drawn at the cursor, over cells. The
//     frame reserves the box with blank braille cells (U+2800, never equal to
//     a space, so the renderer never clears over them with an erase-line),
//     and once the frame holding the box has been written, the picture is
//     drawn over it: save cursor, move to the box, picture, restore cursor,
//     so the renderer's idea of the cursor stays true. The renderer never
//     writes those cells again while they do not change; whatever repaints
//     them (a resize, a new layout, a clear screen, leaving the screen)
//     erases the picture with them, and the model draws it again after a
//     resize, a new box or a new portrait ([Model.Redraw] after anything
//     else that clears the screen). "Once the frame has been written" is one
//     frame later: the draw is scheduled drawDelay after the change.
//     Keep the box at the left edge of its rows: the renderer may shift the
//     cells to the right of a changed cell with insert/delete-character, and
//     would carry the cells but not the picture.

// drawDelay is how long after a change the picture is drawn over its box:
// more than two frames at Bubble Tea's 60 fps, so the frame holding the
// reserved box is already on the terminal. This is an ordering delay, not a
// timeout.
const drawDelay = 40 * time.Millisecond

// reserve fills the box of a sixel or iTerm2 picture in the frame.
const reserve = "\u2800"

// Model is the portrait in a Bubble Tea program: it asks the terminal what
// it can show, renders the half blocks or the placeholders in View, and
// writes the graphics with commands. Route every message through Update;
// tell it where its box is with SetBox.
type Model struct {
	Term Terminal

	p          *Portrait
	x, y       int // where the box starts on the screen
	cols, rows int // the box's size in cells
	shown      bool

	colours colorprofile.Profile // what the renderer writes (tea.ColorProfileMsg); Unknown until told

	kittyID   int      // the id of the picture sent to a kitty terminal, 0 if none
	kittySent kittyKey // what that picture was made from
	kittyNext int
	gen       int // bumped on each change; a pending draw of an older generation is dropped
}

// drawMsg asks for the picture to be drawn over its box.
type drawMsg struct{ gen int }

// NewModel makes the component; want is the configured mode (Auto to
// detect) and getenv reads the environment (os.Getenv).
func NewModel(want Mode, getenv func(string) string) Model {
	return Model{Term: Detect(want, getenv)}
}

// Init sends the terminal queries, whose answers arrive later as messages.
func (m Model) Init() tea.Cmd {
	if q := m.Term.Queries(); q != "" {
		return tea.Raw(q)
	}
	return nil
}

// SetPortrait shows p (nil: none) in the box.
func (m Model) SetPortrait(p *Portrait) (Model, tea.Cmd) {
	if p == m.p {
		return m, nil
	}
	m.p = p
	return m.changed()
}

// SetBox tells the model the screen cell where the block returned by View
// starts (x, y, 0-based) and its size in cells. Call it from Update whenever
// the layout may have moved the box, and with shown false when the portrait
// leaves the screen.
func (m Model) SetBox(x, y, cols, rows int, shown bool) (Model, tea.Cmd) {
	if x == m.x && y == m.y && cols == m.cols && rows == m.rows && shown == m.shown {
		return m, nil
	}
	m.x, m.y, m.cols, m.rows, m.shown = x, y, cols, rows, shown
	return m.changed()
}

// Redraw draws the picture again, after something cleared the screen.
func (m Model) Redraw() (Model, tea.Cmd) { return m.changed() }

// Update takes the terminal's answers, resizes and the model's own draws.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case drawMsg:
		if msg.gen != m.gen {
			return m, nil // the box moved or the picture changed since: a newer draw is on its way
		}
		return m, m.draw()
	case tea.WindowSizeMsg:
		// Bubble Tea repaints the whole screen after a resize, over the picture.
		return m.changed()
	case tea.ColorProfileMsg:
		m.colours = msg.Profile
		return m, nil
	}
	if m.Term.Observe(msg) {
		return m.changed()
	}
	return m, nil
}

// changed schedules what the new state needs on the terminal.
func (m Model) changed() (Model, tea.Cmd) {
	m.gen++
	var cmds []tea.Cmd
	if m.Term.Mode == Kitty {
		cmds = append(cmds, m.kittySync())
	}
	if (m.Term.Mode == Sixel || m.Term.Mode == ITerm2) && m.visible() {
		gen := m.gen
		cmds = append(cmds, tea.Tick(drawDelay, func(time.Time) tea.Msg { return drawMsg{gen} }))
	}
	return m, tea.Batch(cmds...)
}

func (m Model) visible() bool {
	return m.shown && m.p.OK() && m.cols > 0 && m.rows > 0
}

// kittyKey is what a picture sent to kitty depends on; its position does
// not matter, the placeholders carry it.
type kittyKey struct {
	p          *Portrait
	cols, rows int
	cell       CellSize
	tmux       bool
}

// kittySync frees the picture sent before and sends the current one under a
// new id (16..255, see KittyPlaceholders), unless the picture sent is still
// the right one: a resize or a move only moves the placeholders. It runs the
// encoding in the returned command, off the Update path.
func (m *Model) kittySync() tea.Cmd {
	key := kittyKey{m.p, m.cols, m.rows, m.Term.Cell, m.Term.Tmux}
	if m.visible() && m.kittyID != 0 && key == m.kittySent {
		return nil
	}
	old := m.kittyID
	m.kittyID = 0
	var send func() string
	if m.visible() {
		id := 16 + m.kittyNext%240
		m.kittyNext++
		m.kittyID, m.kittySent = id, key
		p, cols, rows, cell, tmux := m.p, m.cols, m.rows, m.Term.Cell, m.Term.Tmux
		send = func() string { return p.KittyTransmit(id, cols, rows, cell, tmux) }
	}
	if old == 0 && send == nil {
		return nil
	}
	tmux := m.Term.Tmux
	return func() tea.Msg {
		var b strings.Builder
		if old != 0 {
			b.WriteString(KittyDelete(old, tmux))
		}
		if send != nil {
			b.WriteString(send())
		}
		return tea.RawMsg{Msg: b.String()}
	}
}

// draw writes the sixel or iTerm2 picture over its box.
func (m Model) draw() tea.Cmd {
	if !m.visible() || (m.Term.Mode != Sixel && m.Term.Mode != ITerm2) {
		return nil
	}
	p, mode, cell := m.p, m.Term.Mode, m.Term.Cell
	cols, rows := m.cols, m.rows
	c, r, _, _ := p.GraphicSize(cols, rows, cell)
	x, y := m.x+(cols-c)/2, m.y+(rows-r)/2 // the picture is centred in the box, as View reserves it
	return func() tea.Msg {
		var seq string
		if mode == Sixel {
			seq = p.Sixel(cols, rows, cell)
		} else {
			seq = p.ITerm2(cols, rows, cell)
		}
		return tea.RawMsg{Msg: At(x, y, seq)}
	}
}

// View is the block of exactly cols x rows cells to put at the box: the half
// blocks, the kitty placeholders, or the cells a sixel or iTerm2 picture is
// drawn over. A portrait that cannot be shown gives the clerk's message in
// every mode; Off and an empty box give "".
func (m Model) View() string {
	if m.cols <= 0 || m.rows <= 0 || m.Term.Mode == Off || m.p == nil {
		return ""
	}
	if !m.p.OK() || m.Term.Mode == Blocks || m.Term.Mode == Auto {
		switch {
		case !m.p.OK() || m.colours == colorprofile.Unknown || m.colours >= colorprofile.ANSI256:
			return m.p.View(m.cols, m.rows)
		case m.colours == colorprofile.ANSI:
			return m.p.ViewGray(m.cols, m.rows)
		default: // no colours at all: half blocks would be one flat block
			return boxed(noColours, m.cols, m.rows)
		}
	}
	c, r, _, _ := m.p.GraphicSize(m.cols, m.rows, m.Term.Cell)
	var box string
	switch m.Term.Mode {
	case Kitty:
		if m.kittyID == 0 {
			return m.p.View(m.cols, m.rows)
		}
		box = KittyPlaceholders(m.kittyID, c, r)
	default:
		line := strings.Repeat(reserve, c)
		box = strings.TrimSuffix(strings.Repeat(line+"\n", r), "\n")
	}
	return place(box, c, r, m.cols, m.rows)
}
