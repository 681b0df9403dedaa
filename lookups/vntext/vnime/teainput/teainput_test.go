package teainput

import (
	"testing"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"motcua/lookups/vntext/vnime"
)

// press is the key press a terminal sends for r: backspace for '\b', left
// for '←', end for '→', ctrl+w for '⌫' (delete the word), the character
// otherwise.
func press(r rune) tea.KeyPressMsg {
	switch r {
	case '\b':
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case '←':
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case '→':
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case '⌫':
		return tea.KeyPressMsg{Code: 'w', Mod: tea.ModCtrl}
	case ' ':
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	k := tea.KeyPressMsg{Code: unicode.ToLower(r), Text: string(r)}
	if unicode.IsUpper(r) {
		k.Mod, k.ShiftedCode = tea.ModShift, r
	}
	return k
}

func newInput() textinput.Model {
	in := textinput.New()
	in.Focus()
	return in
}

func typeInto(t *testing.T, ty *Typist, in textinput.Model, keys string) textinput.Model {
	t.Helper()
	for _, r := range keys {
		in, _ = ty.Update(in, press(r))
	}
	return in
}

func TestTypist(t *testing.T) {
	for _, c := range []struct {
		name  string
		style vnime.Style
		keys  string
		want  string
		pos   int
	}{
		{"new style", vnime.NewStyle, "Nguyeenx Thij Hoaf", "Nguyễn Thị Hòa", 14},
		{"old style", vnime.OldStyle, "Nguyeenx Thij Hoaf", "Nguyễn Thị Hoà", 14},
		{"backspace goes on with the word", vnime.NewStyle, "hoafn\bi", "hoài", 4},
		{"backspace over a space", vnime.NewStyle, "xin chaof\b\b\b\b\bf", "xìn", 3},
		{"undo", vnime.NewStyle, "ass aaa ww", "as aa w", 7},
		{"English and e-mail", vnime.NewStyle, "user@example.com Windows", "user@example.com Windows", 24},
		{"cursor moved into a word", vnime.NewStyle, "Hoa Binh←←←←←f", "Hoaf Binh", 4},
		{"cursor back at the end", vnime.NewStyle, "Hoa Binh←←←←←→ Ddinhf", "Hoa Binh Đình", 13},
		{"word deleted with ctrl+w", vnime.NewStyle, "Hoa Binh⌫Ddinhf", "Hoa Đình", 8},
		{"composed letters left alone", vnime.NewStyle, "ta\bá Việt as", "tá Việt á", 9},
		{"Unikey undo left alone", vnime.NewStyle, "a\bá\bas", "as", 2},
	} {
		ty := New(vnime.Telex, c.style)
		ty.SetOn(true)
		in := typeInto(t, ty, newInput(), c.keys)
		if in.Value() != c.want || in.Position() != c.pos {
			t.Errorf("%s: %q gives %q cursor %d, want %q cursor %d", c.name, c.keys, in.Value(), in.Position(), c.want, c.pos)
		}
	}
}

func TestTypistToggle(t *testing.T) {
	ty := New(vnime.Telex, vnime.NewStyle)
	if ty.On() || ty.Label() != "" {
		t.Fatalf("a new Typist is on (%q)", ty.Label())
	}
	in := typeInto(t, ty, newInput(), "Hoaf ")
	if !ty.Toggle() || ty.Label() != "Telex" {
		t.Fatalf("Toggle did not switch on (%q)", ty.Label())
	}
	in = typeInto(t, ty, in, "Hoaf ")
	ty.SetMethod(vnime.VNI)
	if ty.Label() != "VNI" || ty.Method() != vnime.VNI {
		t.Fatalf("label %q after SetMethod(VNI)", ty.Label())
	}
	in = typeInto(t, ty, in, "Hoa2 ")
	ty.SetStyle(vnime.OldStyle)
	if ty.Style() != vnime.OldStyle {
		t.Fatal("SetStyle")
	}
	in = typeInto(t, ty, in, "Hoa2 ")
	if ty.Toggle() {
		t.Fatal("Toggle did not switch off")
	}
	in = typeInto(t, ty, in, "Hoa2")
	if want := "Hoaf Hòa Hòa Hoà Hoa2"; in.Value() != want {
		t.Errorf("got %q, want %q", in.Value(), want)
	}
}

// Keys reach the input unchanged where the engine must stay away.
func TestTypistLeavesAlone(t *testing.T) {
	ty := New(vnime.Telex, vnime.NewStyle)
	ty.SetOn(true)

	pass := newInput()
	pass.EchoMode = textinput.EchoPassword
	if pass = typeInto(t, ty, pass, "ddaas"); pass.Value() != "ddaas" {
		t.Errorf("password input: %q", pass.Value())
	}

	blurred := textinput.New()
	if blurred = typeInto(t, ty, blurred, "as"); blurred.Value() != "" {
		t.Errorf("blurred input: %q", blurred.Value())
	}

	pre := newInput()
	pre.SetValue("Nguyễn Văn")
	if pre = typeInto(t, ty, pre, "f Hoaf"); pre.Value() != "Nguyễn Vănf Hòa" {
		t.Errorf("prefilled input: %q", pre.Value())
	}

	pasted := newInput()
	pasted, _ = ty.Update(pasted, tea.PasteMsg{Content: "hoaf"})
	if pasted = typeInto(t, ty, pasted, "s"); pasted.Value() != "hoafs" {
		t.Errorf("pasted text: %q", pasted.Value())
	}

	// A printable key the input binds is the input's, not a letter.
	bound := newInput()
	bound.KeyMap.CharacterBackward = key.NewBinding(key.WithKeys("left", "<"))
	if bound = typeInto(t, ty, bound, "Hoa<f"); bound.Value() != "Hofa" {
		t.Errorf("bound key: %q", bound.Value())
	}

	// A terminal that sends several characters in one key press.
	batch := newInput()
	batch, _ = ty.Update(batch, tea.KeyPressMsg{Code: tea.KeyExtended, Text: "Hoaf"})
	if batch.Value() != "Hòa" {
		t.Errorf("batched keys: %q", batch.Value())
	}
}

// The input's character limit holds, and the engine follows what the input
// kept.
func TestTypistCharLimit(t *testing.T) {
	ty := New(vnime.Telex, vnime.NewStyle)
	ty.SetOn(true)
	in := newInput()
	in.CharLimit = 3
	in = typeInto(t, ty, in, "Hoaf")
	if in.Value() != "Hòa" {
		t.Errorf("limit 3, Hoaf: %q", in.Value())
	}
	in = typeInto(t, ty, in, "n")
	if in.Value() != "Hòa" {
		t.Errorf("limit 3, then n: %q", in.Value())
	}
	in = typeInto(t, ty, in, "\bs")
	if in.Value() != "Hó" {
		t.Errorf("limit 3, then backspace and s: %q", in.Value())
	}
}

func BenchmarkTypistKey(b *testing.B) {
	ty := New(vnime.Telex, vnime.NewStyle)
	ty.SetOn(true)
	keys := []rune("Nguyeenx Thij Hoaf, Phuwowngf Ba DDinhf, Haf Nooij ")
	msgs := make([]tea.KeyPressMsg, len(keys))
	for i, r := range keys {
		msgs[i] = press(r)
	}
	in := newInput()
	b.ReportAllocs()
	for i := range b.N {
		if i%len(msgs) == 0 {
			in.Reset()
		}
		in, _ = ty.Update(in, msgs[i%len(msgs)])
	}
}
