package vnime

// Apply makes edit ed on text whose cursor is at rune index cursor, and
// returns the new text and cursor. It is what a text field does with the
// result of Key.
func Apply(text []rune, cursor int, ed Edit) ([]rune, int) {
	del := min(max(ed.Delete, 0), cursor)
	ins := []rune(ed.Insert)
	out := make([]rune, 0, len(text)-del+len(ins))
	out = append(out, text[:cursor-del]...)
	out = append(out, ins...)
	out = append(out, text[cursor:]...)
	return out, cursor - del + len(ins)
}

// Type types keys into an empty field and returns its text: the field a
// clerk would see. A '\b' in keys is a Backspace. It is a reference for
// tests and for converting typed text in batch (Type(Telex, NewStyle,
// "Nguyeenx Thij Hoaf") is "Nguyễn Thị Hòa").
func Type(m Method, s Style, keys string) string {
	e := New(m, s)
	var text []rune
	for _, r := range keys {
		if r == '\b' {
			if len(text) > 0 {
				text = text[:len(text)-1]
				e.Backspace()
			}
			continue
		}
		e.Sync(string(text))
		text, _ = Apply(text, len(text), e.Key(r))
	}
	return string(text)
}
