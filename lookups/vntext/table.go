package vntext

import (
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Precomposed Latin letters (U+00C0..U+1EFF) decomposed once, so the common
// cases of SearchKey and FoldTone avoid a full NFD pass.
const (
	tableLo = 0x00C0
	tableHi = 0x1F00
)

type runeInfo struct {
	base byte // lower-case ASCII base letter; 0: not a Latin letter with marks only
	tone bool // the decomposition has a Vietnamese tone mark
}

var table = sync.OnceValue(func() *[tableHi - tableLo]runeInfo {
	var t [tableHi - tableLo]runeInfo
	for r := rune(tableLo); r < tableHi; r++ {
		d := []rune(norm.NFD.String(string(r)))
		if len(d) < 2 || d[0] >= 0x80 || !unicode.IsLetter(d[0]) {
			continue
		}
		info := runeInfo{base: byte(unicode.ToLower(d[0]))}
		for _, m := range d[1:] {
			if !unicode.Is(unicode.Mn, m) {
				info = runeInfo{}
				break
			}
			info.tone = info.tone || isTone(m)
		}
		t[r-tableLo] = info
	}
	return &t
})

// lookup returns the table entry of r (zero if none).
func lookup(r rune) runeInfo {
	if r < tableLo || r >= tableHi {
		return runeInfo{}
	}
	return table()[r-tableLo]
}

// searchKeyFast is SearchKey for text made of ASCII, precomposed Latin
// letters, đ/Đ and combining marks U+0300..U+036F; ok is false otherwise.
func searchKeyFast(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	space := false
	for _, r := range s {
		var c byte
		switch {
		case r < 0x80:
			if r == ' ' || (r >= '\t' && r <= '\r') {
				space = len(b) > 0
				continue
			}
			c = byte(unicode.ToLower(r))
		case r == 'đ' || r == 'Đ':
			c = 'd'
		case r >= 0x300 && r <= 0x36F:
			continue
		default:
			info := lookup(r)
			if info.base == 0 {
				return "", false
			}
			c = info.base
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return string(b), true
}

// hasTone reports whether s may contain a Vietnamese tone mark; false means
// FoldTone has nothing to move.
func hasTone(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x80:
		case isTone(r):
			return true
		case r >= 0x300 && r <= 0x36F:
		case r == 'đ' || r == 'Đ':
		default:
			info := lookup(r)
			if info.base == 0 || info.tone {
				return true // unknown: take the full path
			}
		}
	}
	return false
}
