package vntext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Display returns s made safe to show on a terminal, CLI or TUI, as part of
// one line. Text from outside (the gateway, a card, a file) may carry
// sequences that drive the terminal instead of being read: ESC sequences
// (clear the screen, move the cursor, set the window title with OSC ... BEL,
// hyperlinks), a carriage return or a line feed that forge a line of their
// own, bidirectional overrides that reorder what is shown. Display keeps the
// text and neutralises those:
//   - line and paragraph breaks and tabs (CR, LF, VT, FF, TAB, NEL, U+2028,
//     U+2029) become one space;
//   - every other control character (C0, DEL, C1: ESC and BEL included) and
//     every format character (bidi embeddings, overrides, isolates and marks,
//     zero-width characters, the BOM...) becomes U+FFFD, so that the reader
//     sees that something was there;
//   - invalid UTF-8 becomes U+FFFD;
//   - the result is NFC: Vietnamese letters, precomposed or not, come out
//     precomposed and intact.
//
// It is the one function every printer of the CLI and every view of the TUI
// applies to a string it did not write itself.
func Display(s string) string {
	if printableASCII(s) {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case Hostile(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// Hostile reports whether r drives or misleads a terminal rather than prints: a control
// character (C0, DEL, C1) or a format character (bidi controls, zero-width characters, the
// BOM...). Display replaces them; an encoder that keeps values (the commands' --json) escapes
// them.
func Hostile(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

// printableASCII reports whether s is only printable ASCII (the common case
// of codes and numbers: nothing to do).
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
