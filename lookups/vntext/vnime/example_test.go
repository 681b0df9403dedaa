package vnime_test

import (
	"fmt"

	"motcua/lookups/vntext/vnime"
)

func ExampleType() {
	fmt.Println(vnime.Type(vnime.Telex, vnime.NewStyle, "Nguyeenx Thij Hoaf"))
	fmt.Println(vnime.Type(vnime.Telex, vnime.OldStyle, "Nguyeenx Thij Hoaf"))
	fmt.Println(vnime.Type(vnime.VNI, vnime.NewStyle, "Phu7o7ng2 Ba D9inh2"))
	fmt.Println(vnime.Type(vnime.Telex, vnime.NewStyle, "email: user@example.com"))
	// Output:
	// Nguyễn Thị Hòa
	// Nguyễn Thị Hoà
	// Phường Ba Đình
	// email: user@example.com
}

// A text field drives the engine key by key: it applies each edit before
// the cursor, reports Backspace, and (simplest) syncs before each key.
func ExampleEngine() {
	e := vnime.New(vnime.Telex, vnime.NewStyle)
	var text []rune
	cursor := 0
	for _, r := range "hoafn" {
		e.Sync(string(text[:cursor]))
		ed := e.Key(r)
		text, cursor = vnime.Apply(text, cursor, ed)
		fmt.Printf("%c: delete %d, insert %q -> %s\n", r, ed.Delete, ed.Insert, string(text))
	}
	// Backspace: the field deletes the rune, then tells the engine.
	text, cursor = text[:cursor-1], cursor-1
	e.Backspace()
	e.Sync(string(text[:cursor]))
	text, _ = vnime.Apply(text, cursor, e.Key('i'))
	fmt.Println(string(text))
	// Output:
	// h: delete 0, insert "h" -> h
	// o: delete 0, insert "o" -> ho
	// a: delete 0, insert "a" -> hoa
	// f: delete 2, insert "òa" -> hòa
	// n: delete 2, insert "oàn" -> hoàn
	// hoài
}
