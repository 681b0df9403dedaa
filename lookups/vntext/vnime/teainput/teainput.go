// Package teainput types Vietnamese into a bubbles text input
// (charm.land/bubbles/v2/textinput) with the vnime engine, for terminals
// without an input method (SSH sessions, the Linux console, counter PCs
// without Unikey).
//
// One Typist serves every text input of a screen. Route the input's messages
// through it instead of calling the input's Update:
//
//	m.input, cmd = m.typist.Update(m.input, msg)
//
// When the mode is on, a printable key goes through the engine and its edit
// is applied to the input's value and cursor; a Backspace that deleted one
// letter is reported to the engine; every other key and message goes to the
// input unchanged, and the engine checks the text before the cursor at the
// next key. Password inputs (any echo mode but EchoNormal) are never
// transformed. Toggle switches the mode (bind it to one key and show Label in
// the status bar); SetStyle follows the configuration's tone placement.
package teainput

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"motcua/lookups/vntext/vnime"
)

// Typist applies a vnime engine to bubbles text inputs. It is off until
// SetOn or Toggle. Not safe for concurrent use (Bubble Tea's Update is not
// concurrent).
type Typist struct {
	eng *vnime.Engine
	on  bool
}

// New returns a Typist, off, for the method and the tone style.
func New(m vnime.Method, s vnime.Style) *Typist {
	return &Typist{eng: vnime.New(m, s)}
}

// On reports whether keys are transformed.
func (t *Typist) On() bool { return t.on }

// SetOn switches the transformation on or off.
func (t *Typist) SetOn(on bool) {
	t.on = on
	t.eng.Reset()
}

// Toggle switches the transformation and returns the new state.
func (t *Typist) Toggle() bool {
	t.SetOn(!t.on)
	return t.on
}

// Method returns the typing method.
func (t *Typist) Method() vnime.Method { return t.eng.Method() }

// SetMethod changes the typing method.
func (t *Typist) SetMethod(m vnime.Method) { t.eng.SetMethod(m) }

// Style returns the tone placement.
func (t *Typist) Style() vnime.Style { return t.eng.Style() }

// SetStyle changes the tone placement.
func (t *Typist) SetStyle(s vnime.Style) { t.eng.SetStyle(s) }

// Label names the mode for a status bar: "Telex" or "VNI" when on, "" when
// off.
func (t *Typist) Label() string {
	if !t.on {
		return ""
	}
	return t.eng.Method().String()
}

// Reset ends the word under way; call it when the focus moves to another
// input (the engine also notices most changes by itself).
func (t *Typist) Reset() { t.eng.Reset() }

// Update is in.Update with the keys typed through the engine when the mode
// is on.
func (t *Typist) Update(in textinput.Model, msg tea.Msg) (textinput.Model, tea.Cmd) {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok || !t.on || !in.Focused() || in.EchoMode != textinput.EchoNormal {
		return in.Update(msg)
	}
	if text, ok := typed(in, kp); ok {
		return t.typeText(in, text)
	}
	before, pos := []rune(in.Value()), in.Position()
	in, cmd := in.Update(msg)
	if in.Position() == pos-1 && deletedBefore(before, pos, []rune(in.Value())) {
		t.eng.Sync(string(before[:pos]))
		t.eng.Backspace()
	}
	return in, cmd
}

// typed returns the text a key press inserts in the input: printable text
// that no binding of the input takes.
func typed(in textinput.Model, kp tea.KeyPressMsg) (string, bool) {
	if kp.Text == "" || kp.Mod&(tea.ModCtrl|tea.ModAlt|tea.ModMeta|tea.ModHyper|tea.ModSuper) != 0 {
		return "", false
	}
	km := in.KeyMap
	for _, b := range []key.Binding{
		km.CharacterForward, km.CharacterBackward, km.WordForward, km.WordBackward,
		km.DeleteWordBackward, km.DeleteWordForward, km.DeleteAfterCursor, km.DeleteBeforeCursor,
		km.DeleteCharacterBackward, km.DeleteCharacterForward, km.LineStart, km.LineEnd,
		km.Paste, km.AcceptSuggestion, km.NextSuggestion, km.PrevSuggestion,
	} {
		if key.Matches(kp, b) {
			return "", false
		}
	}
	return kp.Text, true
}

// deletedBefore reports whether after is before without the rune before pos.
func deletedBefore(before []rune, pos int, after []rune) bool {
	if pos < 1 || pos > len(before) || len(after) != len(before)-1 {
		return false
	}
	for i, r := range after {
		j := i
		if i >= pos-1 {
			j = i + 1
		}
		if before[j] != r {
			return false
		}
	}
	return true
}

// typeText types text, rune by rune, through the engine.
func (t *Typist) typeText(in textinput.Model, text string) (textinput.Model, tea.Cmd) {
	var cmds []tea.Cmd
	for _, r := range text {
		value, pos := []rune(in.Value()), in.Position()
		t.eng.Sync(string(value[:pos]))
		ed := t.eng.Key(r)
		ins := []rune(ed.Insert)
		if in.CharLimit > 0 && len(value)-ed.Delete+len(ins) > in.CharLimit {
			// The input is full: drop the key, as the input itself does.
			t.eng.Cancel()
			continue
		}
		if del := min(ed.Delete, pos); del > 0 {
			in.SetValue(string(append(value[:pos-del:pos-del], value[pos:]...)))
			in.SetCursor(pos - del)
		}
		if len(ins) > 0 {
			// As a paste, the input keeps its own rules: validation,
			// suggestions, cursor.
			var cmd tea.Cmd
			in, cmd = in.Update(tea.PasteMsg{Content: ed.Insert})
			cmds = append(cmds, cmd)
		}
	}
	return in, tea.Batch(cmds...)
}
