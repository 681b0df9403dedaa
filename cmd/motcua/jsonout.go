package main

import (
	"encoding/json"
	"fmt"
	"io"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"motcua/lookups/vntext"
)

// newJSONEncoder is json.NewEncoder for what a command prints with --json. The text output
// goes through vntext.Display; the JSON output keeps every value as it is, but encoding/json
// writes some characters that drive or mislead a terminal raw: DEL, the C1 controls (U+0080 to
// U+009F: CSI, OSC, DCS..., which xterm and others act on in UTF-8) and the format characters
// (bidi overrides, embeddings, isolates and marks, zero-width characters). Text from outside
// (the gateway, a card, a file) may carry them into a string; this encoder writes them as
// \uXXXX escapes instead, so the JSON means the same and a terminal shows it inert.
func newJSONEncoder(w io.Writer) *json.Encoder { return json.NewEncoder(jsonTerminalWriter{w}) }

// jsonTerminalWriter escapes the terminal-hostile characters of JSON texts written to it.
// Outside strings a JSON text holds only ASCII, so every such character is inside a string,
// where its \u escape stands for it. json.Encoder writes each value in one Write; bytes that are
// not a whole rune are passed on as they are.
type jsonTerminalWriter struct{ w io.Writer }

func (j jsonTerminalWriter) Write(p []byte) (int, error) {
	out, start := []byte(nil), 0
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRune(p[i:])
		if !hostileInJSON(r, n) {
			i += n
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(p)+12)
		}
		out = append(out, p[start:i]...)
		if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += n
		start = i
	}
	if out == nil {
		return j.w.Write(p)
	}
	if _, err := j.w.Write(append(out, p[start:]...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// hostileInJSON: the characters vntext.Display neutralises (vntext.Hostile) that encoding/json leaves raw (it
// escapes C0 controls itself, and U+2028, U+2029; a JSON text's own newlines are C0).
func hostileInJSON(r rune, size int) bool {
	if r < 0x7f || (r == utf8.RuneError && size == 1) {
		return false
	}
	return vntext.Hostile(r)
}
