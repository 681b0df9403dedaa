package portrait

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/internal/testenv"
)

// asProgram makes the test binary run demoProgram instead of the tests: the
// tmux tests start it in a real terminal.
const asProgram = "MOTCUA_PORTRAIT_PROGRAM"

func TestMain(m *testing.M) {
	if mode := os.Getenv(asProgram); mode != "" {
		os.Exit(demoProgram(mode))
	}
	os.Exit(m.Run())
}

// demo is a small screen laid out as the resident panel would be: a title
// line, the portrait box at the left edge from row 1, text beside it, and a
// key counter that changes the frame on every key.
type demo struct {
	pm   Model
	init tea.Cmd // what placing the portrait asked for
	keys int
}

const boxX, boxY, boxW, boxH = 0, 1, 14, 8

func (d demo) Init() tea.Cmd { return tea.Batch(d.pm.Init(), d.init) }

func (d demo) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if msg.String() == "q" {
			return d, tea.Quit
		}
		d.keys++
	}
	var cmd tea.Cmd
	d.pm, cmd = d.pm.Update(msg)
	return d, cmd
}

func (d demo) View() tea.View {
	text := strings.Join([]string{
		"Họ và tên: NGUYỄN THỊ THỬ",
		"Ngày sinh: 01/02/1990",
		fmt.Sprintf("Phím đã bấm: %d", d.keys),
		"Chế độ ảnh: " + d.pm.Term.Mode.String(),
	}, "\n")
	body := lipgloss.JoinHorizontal(lipgloss.Top, d.pm.View(), " ", text)
	v := tea.NewView("Ảnh chân dung (thử nghiệm)\n" + body + "\nq: thoát")
	v.AltScreen = true
	return v
}

func demoProgram(mode string) int {
	want, err := ParseMode(mode)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	data, err := os.ReadFile(os.Getenv(asProgram + "_FACE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	pm := NewModel(want, os.Getenv)
	pm, c1 := pm.SetPortrait(New("JPEG", data))
	pm, c2 := pm.SetBox(boxX, boxY, boxW, boxH, true)
	if _, err := tea.NewProgram(demo{pm: pm, init: tea.Batch(c1, c2)}).Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type tmuxRun struct {
	t      *testing.T
	socket string
}

// startDemo runs the demo program in a private tmux server, 80x24, with the
// given extra environment.
func startDemo(t *testing.T, mode string, extraEnv ...string) *tmuxRun {
	t.Helper()
	testenv.NeedTool(t, "tmux", "tmux")
	face := t.TempDir() + "/face.jpg"
	if err := os.WriteFile(face, faceJPEG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &tmuxRun{t: t, socket: fmt.Sprintf("motcua-portrait-%d-%d", os.Getpid(), time.Now().UnixNano())}
	// TERM and COLORTERM make Bubble Tea keep 24-bit colours (tmux stores
	// them as they come), so the screen can be compared with the rendering.
	envs := append([]string{asProgram + "=" + mode, asProgram + "_FACE=" + face, "TERM=xterm-256color", "COLORTERM=truecolor"}, extraEnv...)
	command := "env " + strings.Join(envs, " ") + " " + os.Args[0]
	r.tmux("new-session", "-d", "-s", "main", "-x", "80", "-y", "24", command)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", r.socket, "kill-server").Run() })
	return r
}

func (r *tmuxRun) tmux(args ...string) string {
	r.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", r.socket}, args...)...).CombinedOutput()
	if err != nil {
		r.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// waitFor polls the screen (plain, or with escapes) until it contains want;
// the long deadline only guards against a hang.
func (r *tmuxRun) waitFor(want string, escapes bool) string {
	r.t.Helper()
	args := []string{"capture-pane", "-p", "-t", "main"}
	if escapes {
		args = append(args, "-e")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := r.tmux(args...)
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("screen never showed %q; last screen:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHalfBlocksInTmux renders the half-block portrait in a real terminal
// (tmux, which answers the device attributes without sixel, so auto falls
// back to half blocks) and reads the screen back: the glyphs and their
// 24-bit colours are those of the golden rendering, cell for cell, and the
// text beside the box is where the layout put it, before and after the
// frame changes.
func TestHalfBlocksInTmux(t *testing.T) {
	r := startDemo(t, "auto")
	scr := r.waitFor("Chế độ ảnh: blocks", false)
	lines := strings.Split(scr, "\n")
	want := strings.Split(ansi.Strip(New("JPEG", faceJPEG(t)).View(boxW, boxH)), "\n")
	for i, w := range want {
		if got := strings.TrimRight(string([]rune(lines[boxY+i])[:min(boxW, len([]rune(lines[boxY+i])))]), " "); got != strings.TrimRight(w, " ") {
			t.Errorf("row %d: %q, want %q", boxY+i, lines[boxY+i], w)
		}
	}
	if !strings.HasPrefix(lines[boxY+2], want[2]+" Phím đã bấm: 0") {
		t.Errorf("the text beside the portrait moved: %q", lines[boxY+2])
	}

	// Colours: every half block in the capture carries the golden's colours.
	colored := r.waitFor("Chế độ ảnh: blocks", true)
	gotCells := cellColours(t, strings.Split(colored, "\n")[boxY:boxY+boxH])
	wantCells := cellColours(t, strings.Split(New("JPEG", faceJPEG(t)).View(boxW, boxH), "\n"))
	if len(gotCells) != 12*8 || len(gotCells) != len(wantCells) {
		t.Fatalf("%d coloured half blocks on screen, %d in the rendering", len(gotCells), len(wantCells))
	}
	for i := range wantCells {
		if gotCells[i] != wantCells[i] {
			t.Errorf("half block %d: %s on screen, %s rendered", i, gotCells[i], wantCells[i])
			break
		}
	}

	r.tmux("send-keys", "-t", "main", "x", "x", "x")
	scr = r.waitFor("Phím đã bấm: 3", false)
	if l := strings.Split(scr, "\n")[boxY+2]; !strings.HasPrefix(l, want[2]+" Phím đã bấm: 3") {
		t.Errorf("after keys: %q", l)
	}
	r.tmux("send-keys", "-t", "main", "q")
}

// cellColours lists, for each half block in lines, its foreground and
// background as "fg/bg" from the SGR sequences before it (24-bit colours
// written either with ; or with :).
func cellColours(t *testing.T, lines []string) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		fg, bg := "", ""
		p := ansi.NewParser()
		state := byte(0)
		for len(l) > 0 {
			seq, width, n, newState := ansi.DecodeSequence(l, state, p)
			state = newState
			switch {
			case ansi.HasCsiPrefix(seq) && p.Command() == 'm':
				params := p.Params()
				for i := 0; i < len(params); i++ {
					v := params[i].Param(0)
					switch {
					case v == 0:
						fg, bg = "", ""
					case (v == 38 || v == 48) && i+4 < len(params) && params[i+1].Param(0) == 2:
						c := fmt.Sprintf("%d,%d,%d", params[i+2].Param(0), params[i+3].Param(0), params[i+4].Param(0))
						if v == 38 {
							fg = c
						} else {
							bg = c
						}
						i += 4
					case v == 39:
						fg = ""
					case v == 49:
						bg = ""
					}
				}
			case width > 0 && seq == upperHalf:
				out = append(out, fg+"/"+bg)
			}
			l = l[n:]
		}
	}
	return out
}

// startPiped is startDemo with the program's output bytes copied to a file
// (tmux pipe-pane) from its first byte: the program waits for Enter before
// it starts, so the pipe is in place first.
// extraEnv holds options of env(1) (-u NAME), which come before the
// assignments.
func startPiped(t *testing.T, mode string, extraEnv ...string) (*tmuxRun, string) {
	t.Helper()
	testenv.NeedTool(t, "tmux", "tmux")
	dir := t.TempDir()
	face, out := dir+"/face.jpg", dir+"/out"
	if err := os.WriteFile(face, faceJPEG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &tmuxRun{t: t, socket: fmt.Sprintf("motcua-portrait-%d-%d", os.Getpid(), time.Now().UnixNano())}
	envs := append(extraEnv, asProgram+"="+mode, asProgram+"_FACE="+face, "TERM=xterm-256color", "COLORTERM=truecolor")
	command := "read _ && exec env " + strings.Join(envs, " ") + " " + os.Args[0]
	r.tmux("new-session", "-d", "-s", "main", "-x", "80", "-y", "24", "sh", "-c", command)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", r.socket, "kill-server").Run() })
	r.tmux("pipe-pane", "-O", "-t", "main", "cat > "+out)
	r.tmux("send-keys", "-t", "main", "Enter")
	return r, out
}

// TestGraphicsKeepTheFrameInTmux runs the sixel, iTerm2 and kitty paths in
// a real terminal. tmux 3.3 shows none of these pictures (it drops sixel
// and iTerm2 sequences, and passthrough is off), but it is a real screen:
// the test reads it to see the frame intact around the box, before and after
// frames that change the text beside it, and reads the program's output
// bytes to see that the picture was written after the box, at the box, and
// that no later frame wrote over the box.
func TestGraphicsKeepTheFrameInTmux(t *testing.T) {
	for _, tc := range []struct {
		mode  string
		env   []string
		cell  string // what the box holds on screen
		start string // how the picture's sequence starts
	}{
		// TMUX is unset so that the program believes it talks to a sixel or
		// iTerm2 terminal; for kitty it stays, and the sequences are wrapped
		// for passthrough.
		{"sixel", []string{"-u", "TMUX"}, reserve, "\x1b7\x1b[2;2H\x1bP0;1q"},
		{"iterm2", []string{"-u", "TMUX"}, reserve, "\x1b7\x1b[2;2H\x1b]1337;File="},
		{"kitty", nil, string(rune(0x10EEEE)), "\x1bPtmux;\x1b\x1b_G"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			r, out := startPiped(t, tc.mode, tc.env...)
			scr := r.waitFor("Chế độ ảnh: "+tc.mode, false)
			check := func(scr string, keys int) {
				t.Helper()
				lines := strings.Split(scr, "\n")
				for i := range boxH {
					// Cells, not runes: a kitty placeholder is one cell of three runes.
					cells, rest := cellsOf(lines[boxY+i], 13)
					if len(cells) != 13 || strings.Join(cells, "") != " "+strings.Repeat(tc.cell, 12) && !strings.HasPrefix(tc.cell, string(rune(0x10EEEE))) {
						t.Errorf("row %d: %q", boxY+i, lines[boxY+i])
					}
					for x, c := range cells[1:] {
						if !strings.HasPrefix(c, tc.cell) {
							t.Errorf("cell %d,%d holds %q", x+1, boxY+i, c)
						}
					}
					if i == 2 {
						if want := fmt.Sprintf("  Phím đã bấm: %d", keys); !strings.HasPrefix(rest, want) {
							t.Errorf("text beside the box: %q, want it to start %q", rest, want)
						}
					}
				}
				if !strings.HasPrefix(lines[boxY+boxH], "q: thoát") {
					t.Errorf("last line %q", lines[boxY+boxH])
				}
			}
			check(scr, 0)
			// Wait for the picture to go out (encoding it is slow under the
			// race detector), then change the frame.
			deadline := time.Now().Add(20 * time.Second)
			for {
				raw, _ := os.ReadFile(out)
				if strings.Contains(string(raw), tc.start) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the picture was never written")
				}
				time.Sleep(50 * time.Millisecond)
			}
			r.tmux("send-keys", "-t", "main", "x", "x", "x")
			check(r.waitFor("Phím đã bấm: 3", false), 3)
			r.tmux("send-keys", "-t", "main", "q")

			// The program quits, its pane and the tmux server with it, and
			// the pipe has all the bytes.
			deadline = time.Now().Add(20 * time.Second)
			for exec.Command("tmux", "-L", r.socket, "has-session").Run() == nil {
				if time.Now().After(deadline) {
					t.Fatal("the program did not quit")
				}
				time.Sleep(50 * time.Millisecond)
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			s := string(raw)
			pic := strings.Index(s, tc.start)
			box := strings.Index(s, tc.cell)
			if pic < 0 || box < 0 {
				t.Fatalf("picture at %d, box at %d in %d bytes of output", pic, box, len(s))
			}
			if tc.mode == "kitty" {
				// The renderer keeps the id colour (256-colour index 16) on the
				// placeholders: kitty reads the image id from it.
				if !strings.Contains(s[box-20:box], "38;5;16") {
					t.Errorf("the placeholders lost the id colour: %q", s[box-20:box+10])
				}
			} else {
				if box > pic {
					t.Errorf("the picture (byte %d) was written before the box (byte %d)", pic, box)
				}
				if n := strings.Count(s[pic:], tc.cell); n != 0 {
					t.Errorf("%d box cells written again after the picture", n)
				}
				if !strings.Contains(s[pic:], "\x1b8") {
					t.Error("the cursor was not restored after the picture")
				}
			}
		})
	}
}

// cellsOf splits the first n cells off a screen line: a rune with the
// combining marks after it.
func cellsOf(line string, n int) (cells []string, rest string) {
	rs := []rune(line)
	i := 0
	for len(cells) < n && i < len(rs) {
		j := i + 1
		for j < len(rs) && unicode.Is(unicode.Mn, rs[j]) {
			j++
		}
		cells = append(cells, string(rs[i:j]))
		i = j
	}
	return cells, string(rs[i:])
}
