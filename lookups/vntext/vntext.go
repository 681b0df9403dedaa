package vntext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NFC returns s in Unicode NFC.
func NFC(s string) string { return norm.NFC.String(s) }

// Clean is NFC plus trimmed and inner runs of white space collapsed to one space.
func Clean(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// FoldTone returns the canonical form of s with tone marks placed by one rule
// (the "new" style: hòa, thủy), NFC, so that Hoà and Hòa fold equal. Case is kept.
//
// The rule, applied to every word that parses as one Vietnamese syllable with
// exactly one tone mark (other words are only NFC-normalized):
//   - "qu" and "gi" followed by a vowel are onsets, so their u/i carries no tone
//     (quý, giá);
//   - a vowel with a quality mark (ă â ê ô ơ ư) takes the tone; in ươ the ơ
//     does (người);
//   - otherwise, with a final consonant the last vowel takes it (hoàng, huỳnh);
//   - otherwise the middle of three vowels (khoái, khuỷu) or the first of two
//     (hòa, thủy, khỏe, mía) takes it.
//
// This is the placement used by the official unit names (Thanh Hóa, Khánh
// Hòa). Spelling (quý / quí) is never changed, only where the mark sits.
// Invalid UTF-8 is replaced by U+FFFD.
func FoldTone(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if isASCII(s) {
		return s
	}
	if !hasTone(s) {
		return norm.NFC.String(s)
	}
	rs := []rune(norm.NFD.String(s))
	out := make([]rune, 0, len(rs)+4)
	for i := 0; i < len(rs); {
		if !unicode.IsLetter(rs[i]) {
			out = append(out, rs[i])
			i++
			continue
		}
		j := i + 1
		for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.Is(unicode.M, rs[j])) {
			j++
		}
		out = foldWord(out, rs[i:j])
		i = j
	}
	return norm.NFC.String(string(out))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Combining marks (NFD) used in Vietnamese.
const (
	markGrave      = '\u0300'
	markAcute      = '\u0301'
	markTilde      = '\u0303'
	markHook       = '\u0309'
	markDot        = '\u0323'
	markCircumflex = '\u0302'
	markBreve      = '\u0306'
	markHorn       = '\u031B'
)

func isTone(r rune) bool {
	switch r {
	case markGrave, markAcute, markTilde, markHook, markDot:
		return true
	}
	return false
}

// letter is one base letter with its quality mark (0 if none).
type letter struct {
	base    rune // as written (keeps case)
	lower   rune
	quality rune
}

func isVowel(r rune) bool {
	switch r {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// validQuality reports whether quality mark q may sit on lower-case vowel v.
func validQuality(v, q rune) bool {
	switch q {
	case 0:
		return true
	case markBreve:
		return v == 'a'
	case markCircumflex:
		return v == 'a' || v == 'e' || v == 'o'
	case markHorn:
		return v == 'o' || v == 'u'
	}
	return false
}

var onsets = map[string]bool{
	"": true, "b": true, "c": true, "ch": true, "d": true, "đ": true, "g": true, "gh": true,
	"gi": true, "h": true, "k": true, "kh": true, "l": true, "m": true, "n": true, "ng": true,
	"ngh": true, "nh": true, "p": true, "ph": true, "qu": true, "r": true, "s": true, "t": true,
	"th": true, "tr": true, "v": true, "x": true,
}

var finals = map[string]bool{
	"": true, "c": true, "ch": true, "m": true, "n": true, "ng": true, "nh": true, "p": true, "t": true,
}

// foldWord appends the canonical form of the NFD word w (a letter followed by
// letters and marks) to out. Words that are not a single Vietnamese syllable
// with exactly one tone mark are appended unchanged.
func foldWord(out, w []rune) []rune {
	var (
		buf     [8]letter // the longest syllable, nghiêng, has 7 letters
		letters = buf[:0]
		tone    rune
		tones   int
	)
	for _, r := range w {
		if unicode.IsLetter(r) {
			if len(letters) == len(buf) {
				return append(out, w...)
			}
			lr := unicode.ToLower(r)
			if lr >= utf8.RuneSelf && lr != 'đ' {
				return append(out, w...)
			}
			letters = append(letters, letter{base: r, lower: lr})
			continue
		}
		// A combining mark; it belongs to the last letter.
		last := &letters[len(letters)-1]
		switch {
		case isTone(r):
			tone = r
			tones++
		case (r == markBreve || r == markCircumflex || r == markHorn) && last.quality == 0 && isVowel(last.lower):
			last.quality = r
		default:
			return append(out, w...)
		}
	}
	if tones != 1 {
		return append(out, w...)
	}
	for _, l := range letters {
		if !validQuality(l.lower, l.quality) {
			return append(out, w...)
		}
	}
	pos := tonePosition(letters)
	if pos < 0 {
		return append(out, w...)
	}
	for i, l := range letters {
		out = append(out, l.base)
		if l.quality != 0 {
			out = append(out, l.quality)
		}
		if i == pos {
			out = append(out, tone)
		}
	}
	return out
}

// tonePosition returns the index of the letter that carries the tone, or -1
// if the letters are not one Vietnamese syllable.
func tonePosition(ls []letter) int {
	// Onset: leading consonants.
	n := 0
	for n < len(ls) && !isVowel(ls[n].lower) {
		n++
	}
	var sb strings.Builder
	for _, l := range ls[:n] {
		sb.WriteRune(l.lower)
	}
	onset := sb.String()
	// qu / gi followed by another vowel: the u / i belongs to the onset.
	if n+1 < len(ls) && ls[n].quality == 0 && isVowel(ls[n+1].lower) &&
		((onset == "q" && ls[n].lower == 'u') || (onset == "g" && ls[n].lower == 'i')) {
		onset += string(ls[n].lower)
		n++
	}
	if !onsets[onset] {
		return -1
	}
	start := n
	for n < len(ls) && isVowel(ls[n].lower) {
		n++
	}
	nucleus := ls[start:n]
	if len(nucleus) == 0 || len(nucleus) > 3 {
		return -1
	}
	sb.Reset()
	for _, l := range ls[n:] {
		if l.quality != 0 {
			return -1
		}
		sb.WriteRune(l.lower)
	}
	final := sb.String()
	if !finals[final] {
		return -1
	}
	// A vowel with a quality mark takes the tone (the last one: ươ -> ơ).
	for i := len(nucleus) - 1; i >= 0; i-- {
		if nucleus[i].quality != 0 {
			return start + i
		}
	}
	switch {
	case final != "":
		return start + len(nucleus) - 1
	case len(nucleus) == 3:
		return start + 1
	default:
		return start
	}
}

// Equal reports whether a and b are the same text after Clean, FoldTone and case folding.
func Equal(a, b string) bool {
	return foldKey(a) == foldKey(b)
}

// foldKey is the comparison form used by Equal.
func foldKey(s string) string {
	return norm.NFC.String(strings.ToLower(FoldTone(Clean(s))))
}

// SearchKey returns the lower-case, diacritic-free form (đ -> d) with white space collapsed.
func SearchKey(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if k, ok := searchKeyFast(s); ok {
		return k
	}
	return searchKeySlow(s)
}

// searchKeySlow is SearchKey for any valid UTF-8 text.
func searchKeySlow(s string) string {
	d := norm.NFD.String(s)
	var sb strings.Builder
	sb.Grow(len(d))
	space := false
	for _, r := range d {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = sb.Len() > 0
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		default:
			r = unicode.ToLower(r)
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteRune(r)
	}
	return norm.NFC.String(sb.String())
}

// Contains reports whether the search key of query occurs in the search key of s.
// An empty query is contained in every s.
func Contains(s, query string) bool {
	return strings.Contains(SearchKey(s), SearchKey(query))
}

// DiffersOnlyInDiacritics reports whether a and b differ, but have equal search keys.
// "Differ" means not Equal: texts that differ only in case, white space or
// tone-mark placement (Hoà / hòa) are the same and give false; Nguyễn / Nguyen
// gives true. It compares texts, not names: for personal names use
// CompareNames, for which two marked names differing in a mark differ.
func DiffersOnlyInDiacritics(a, b string) bool {
	return !Equal(a, b) && SearchKey(a) == SearchKey(b)
}

// NameVerdict is how two written names relate.
type NameVerdict int

const (
	// NamesDiffer: different names. Two names that both carry Vietnamese
	// marks and differ in one of them ("Hoa" and "Hoà", "Thu" and "Thư")
	// are different names, whatever their letters without marks.
	NamesDiffer NameVerdict = iota
	// NamesEqual: the same text once case and white space are set aside.
	NamesEqual
	// NamesTonePlacement: the same name with the tone mark placed by the
	// old or the new rule ("Hoà" and "Hòa"): the same name.
	NamesTonePlacement
	// NamesUnmarked: one of the two names carries no Vietnamese mark at all
	// (no tone, no quality mark, no đ) and they agree letter for letter:
	// a system on the way stripped the marks ("Nguyen Thi Hoa" and "Nguyễn
	// Thị Hoà"). Not the same text, but no evidence of another person.
	NamesUnmarked
)

// Same reports whether the verdict names one person's name as written
// (equal, or the tone mark placed by the other rule).
func (v NameVerdict) Same() bool { return v == NamesEqual || v == NamesTonePlacement }

// CompareNames compares two personal names (NFC, case and white space
// folded). Only one rule forgives missing marks: a name written entirely
// without them, as systems that strip diacritics produce.
func CompareNames(a, b string) NameVerdict {
	ca, cb := strings.ToLower(Clean(a)), strings.ToLower(Clean(b))
	switch {
	case ca == cb:
		return NamesEqual
	case SearchKey(ca) != SearchKey(cb):
		return NamesDiffer // cheap: texts that are Equal have equal search keys
	case Equal(ca, cb):
		return NamesTonePlacement
	case Unmarked(ca) || Unmarked(cb):
		return NamesUnmarked
	}
	return NamesDiffer
}

// Unmarked reports whether s carries no Vietnamese mark at all: no tone,
// no quality mark (ă â ê ô ơ ư) and no đ, i.e. it equals its search key up
// to case and white space.
func Unmarked(s string) bool {
	return SearchKey(s) == strings.ToLower(Clean(s))
}
