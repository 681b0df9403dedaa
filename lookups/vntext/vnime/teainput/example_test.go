package teainput_test

import (
	"fmt"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"motcua/lookups/vntext/vnime"
	"motcua/lookups/vntext/vnime/teainput"
)

// A screen keeps one Typist and routes its inputs' messages through it.
func ExampleTypist() {
	typist := teainput.New(vnime.Telex, vnime.NewStyle)
	typist.Toggle() // bound to one key by the screen; Label goes in the status bar

	in := textinput.New()
	in.Focus()
	for _, r := range "Nguyeenx Thij Hoaf" {
		msg := tea.KeyPressMsg{Code: r, Text: string(r)}
		in, _ = typist.Update(in, msg)
	}
	fmt.Println(in.Value(), "|", typist.Label())
	// Output: Nguyễn Thị Hòa | Telex
}
