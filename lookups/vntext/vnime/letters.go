package vnime

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Quality marks a letter can carry.
const (
	markNone   uint8 = iota
	markCirc         // â ê ô
	markBreve        // ă
	markHorn         // ơ ư
	markStroke       // đ
	numMarks
)

// Tones, in the order of the VNI digits 1..5.
const (
	toneNone  uint8 = iota
	toneAcute       // sắc
	toneGrave       // huyền
	toneHook        // hỏi
	toneTilde       // ngã
	toneDot         // nặng
	numTones
)

var (
	markRune = [numMarks]rune{markCirc: 0x302, markBreve: 0x306, markHorn: 0x31B}
	toneRune = [numTones]rune{toneAcute: 0x301, toneGrave: 0x300, toneHook: 0x309, toneTilde: 0x303, toneDot: 0x323}
)

// glyph is one letter of a Vietnamese word taken apart: its ASCII base, its
// quality mark, its tone and its case.
type glyph struct {
	c     byte // 'a'..'z'
	mark  uint8
	tone  uint8
	upper bool
}

type runeTables struct {
	// compose[c-'a'][mark][tone][upper] is the precomposed rune, 0 if none.
	compose [26][numMarks][numTones][2]rune
	// decompose maps every rune of compose back to its parts.
	decompose map[rune]glyph
}

// markFits reports whether quality mark m may sit on base letter c.
func markFits(c byte, m uint8) bool {
	switch m {
	case markNone:
		return true
	case markCirc:
		return c == 'a' || c == 'e' || c == 'o'
	case markBreve:
		return c == 'a'
	case markHorn:
		return c == 'o' || c == 'u'
	case markStroke:
		return c == 'd'
	}
	return false
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

var tables = sync.OnceValue(func() *runeTables {
	t := &runeTables{decompose: make(map[rune]glyph, 400)}
	for c := byte('a'); c <= 'z'; c++ {
		for m := range numMarks {
			if !markFits(c, m) {
				continue
			}
			for tone := range numTones {
				if tone != toneNone && !isVowel(c) {
					continue
				}
				var r rune
				if m == markStroke {
					r = 'đ'
				} else {
					s := string(rune(c))
					if m != markNone {
						s += string(markRune[m])
					}
					if tone != toneNone {
						s += string(toneRune[tone])
					}
					s = norm.NFC.String(s)
					var n int
					r, n = utf8.DecodeRuneInString(s)
					if n != len(s) {
						panic("vnime: no precomposed form for " + s)
					}
				}
				for up := range 2 {
					rr := r
					if up == 1 {
						rr = unicode.ToUpper(r)
					}
					t.compose[c-'a'][m][tone][up] = rr
					t.decompose[rr] = glyph{c: c, mark: m, tone: tone, upper: up == 1}
				}
			}
		}
	}
	return t
})

// composeRune returns the precomposed rune of g.
func composeRune(g glyph) rune {
	up := 0
	if g.upper {
		up = 1
	}
	return tables().compose[g.c-'a'][g.mark][g.tone][up]
}

// decomposeRune takes r apart; ok is false for anything but an ASCII letter
// or a Vietnamese letter.
func decomposeRune(r rune) (glyph, bool) {
	g, ok := tables().decompose[r]
	return g, ok
}
