package vnime

import (
	"strings"
	"sync"
)

// maxLetters is the length of the longest Vietnamese syllable (nghiêng).
const maxLetters = 7

// letter is one letter of the word being composed.
type letter struct {
	c     byte  // ASCII base, 'a'..'z'
	mark  uint8 // quality mark
	upper bool
	// byW: the letter is an ư that a lone w typed (Telex); undoing the w
	// removes the letter.
	byW bool
	// auto: the horn of this u came with the o after it ("uo" + w). It shows
	// only once a letter follows the o: thuở but thương.
	auto bool
}

// word is a syllable being composed: its letters and its tone.
type word struct {
	ls   []letter
	tone uint8
}

// Onsets and rhymes of Vietnamese syllables, from which the spell check is
// built. A word is kept as Vietnamese while its letters are the beginning of
// one of these syllables.
// kr and the final k are for place names of the Central Highlands (Krông
// Búk, Đắk Lắk) that counters type every day.
var onsetList = strings.Fields(`b c ch d đ g gh gi h k kh kr l m n ng ngh nh p ph qu r s t th tr v x`)

var rhymeList = strings.Fields(`
	a ac ach ai am an ang anh ao ap at au ay
	ăc ăk ăm ăn ăng ăp ăt
	âc âm ân âng âp ât âu ây
	e ec em en eng eo ep et
	ê êch êm ên ênh êp êt êu
	i ia ich im in inh ip it iu
	iêc iêm iên iêng iêp iêt iêu
	o oc oi om on ong op ot oong ooc
	oa oac oach oai oam oan oang oanh oao oap oat oay
	oăc oăm oăn oăng oăt
	oe oen oeo oet
	ô ôc ôi ôm ôn ông ôp ôt
	ơ ơi ơm ơn ơp ơt
	u ua uc uk ui um un ung up ut
	uân uâng uât uây
	uê uêch uênh
	uôc uôi uôm uôn uông uôt
	uơ
	uy uya uych uyn uynh uyp uyt uyu uyên uyêt
	ư ưa ưc ưi ưm ưn ưng ưt ưu
	ươc ươi ươm ươn ương ươp ươt ươu
	y yêm yên yêng yêt yêu
`)

// Rhymes only "gi" takes: the i of iê merges into the onset (giếng, giếc).
var giExtra = []string{"êng", "êc"}

// fits reports whether onset o may precede rhyme r (both without the tone).
func fits(o, r string) bool {
	has := func(ps ...string) bool {
		for _, p := range ps {
			if strings.HasPrefix(r, p) {
				return true
			}
		}
		return false
	}
	front := has("e", "ê", "i", "y")
	switch o {
	case "":
		return !has("iê") // yê instead: yên, yêu
	case "k", "gh", "ngh":
		return front && !has("yê")
	case "c", "ng":
		return !front
	case "g":
		return !has("e", "ê", "y")
	case "qu":
		// the u belongs to the onset: quá, quê, quý, quyết, quốc, quơ.
		return has("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "y") &&
			!has("oa", "oă", "oe", "oo", "ia", "iê", "iu")
	case "gi":
		return !has("i", "y", "oa", "oă", "oe", "oo", "ua", "uâ", "uê", "uô", "uơ", "uy")
	}
	return !has("yê")
}

// spell maps the bases of every beginning of a syllable ("nguy") to the
// quality marks its letters may carry, one string of marks per syllable.
var spell = sync.OnceValue(func() map[string][]string {
	sets := map[string]map[string]bool{}
	add := func(syl string) {
		var base, marks []byte
		for _, r := range syl {
			g, ok := decomposeRune(r)
			if !ok {
				panic("vnime: bad syllable " + syl)
			}
			base = append(base, g.c)
			marks = append(marks, g.mark)
			for n := 1; n <= len(base); n++ {
				k := string(base[:n])
				if sets[k] == nil {
					sets[k] = map[string]bool{}
				}
				sets[k][string(marks[:n])] = true
			}
		}
	}
	onsets := append([]string{""}, onsetList...)
	for _, o := range onsets {
		rhymes := rhymeList
		if o == "gi" {
			rhymes = append(append([]string{""}, rhymeList...), giExtra...)
		}
		if o == "qu" {
			// quy, quynh: the u of uy, uynh... belongs to the onset.
			for _, r := range rhymeList {
				if strings.HasPrefix(r, "uy") {
					rhymes = append(rhymes, strings.TrimPrefix(r, "u"))
				}
			}
		}
		for _, r := range rhymes {
			if r == "" || fits(o, r) {
				add(o + r)
			}
		}
	}
	out := make(map[string][]string, len(sets))
	for k, s := range sets {
		for m := range s {
			out[k] = append(out[k], m)
		}
	}
	return out
})

// split returns the bounds of the vowel nucleus of ls: ls[:start] is the
// onset (with the u of qu and the i of gi), ls[end:] the final consonants.
func split(ls []letter) (start, end int) {
	i := 0
	for i < len(ls) && !isVowel(ls[i].c) {
		i++
	}
	if i == 1 && i < len(ls) {
		switch {
		case ls[0].c == 'q' && ls[i].c == 'u':
			i++
		case ls[0].c == 'g' && ls[i].c == 'i' && i+1 < len(ls) && isVowel(ls[i+1].c):
			i++
		}
	}
	start = i
	for i < len(ls) && isVowel(ls[i].c) {
		i++
	}
	return start, i
}

// valid reports whether w can still become a Vietnamese syllable: its
// letters begin one (marks may still be added to unmarked letters) and its
// tone fits its final consonant.
func (w *word) valid() bool { return w.check(false) }

// validAsIs is valid without marks to come: the letters as they are begin a
// syllable ("ue" does not: only "uê" does).
func (w *word) validAsIs() bool { return w.check(true) }

func (w *word) check(asIs bool) bool {
	n := len(w.ls)
	if n == 0 {
		return w.tone == toneNone
	}
	if n > maxLetters {
		return false
	}
	var base, marks [maxLetters]byte
	for i, l := range w.ls {
		base[i], marks[i] = l.c, l.mark
	}
	pats, ok := spell()[string(base[:n])]
	if !ok {
		return false
	}
	found := false
	for _, p := range pats {
		found = true
		for i := range n {
			if marks[i] != p[i] && (asIs || marks[i] != markNone) {
				found = false
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		return false
	}
	if w.tone == toneNone {
		return true
	}
	start, end := split(w.ls)
	if start == end {
		return false
	}
	// After c, ch, k, p, t only sắc and nặng.
	switch string(base[end:n]) {
	case "c", "ch", "k", "p", "t":
		return w.tone == toneAcute || w.tone == toneDot
	}
	return true
}

// tonePos returns the index of the letter that carries the tone, -1 if the
// word has no vowel.
func (w *word) tonePos(style Style) int {
	start, end := split(w.ls)
	if start == end {
		return -1
	}
	nuc := w.ls[start:end]
	// The vowel with a quality mark takes the tone; of ươ the ơ.
	for i := len(nuc) - 1; i >= 0; i-- {
		if nuc[i].mark != markNone {
			return start + i
		}
	}
	switch {
	case len(nuc) == 1:
		return start
	case end < len(w.ls): // a final consonant: toán, huỳnh
		return end - 1
	case len(nuc) == 3: // ngoài, khuỷu
		return start + 1
	}
	if style == OldStyle {
		switch string([]byte{nuc[0].c, nuc[1].c}) {
		case "oa", "oe", "uy":
			return start + 1 // hoà, khoẻ, thuỷ
		}
	}
	return start // hòa, mái, múa, mía
}

// render writes the letters of w with its tone into dst.
func (w *word) render(dst []rune, style Style) []rune {
	tp := w.tonePos(style)
	for i, l := range w.ls {
		g := glyph{c: l.c, mark: l.mark, upper: l.upper}
		if l.auto && i+2 >= len(w.ls) {
			g.mark = markNone // uơ: nothing after the o yet
		}
		if i == tp {
			g.tone = w.tone
		}
		dst = append(dst, composeRune(g))
	}
	return dst
}

// fixHorn puts the horn on the o of ưo once a letter follows it: "ưo" is
// no Vietnamese vowel, "ươ" is (dduwowcj and dduwocj both give được).
func (w *word) fixHorn() {
	start, end := split(w.ls)
	for i := start; i+1 < end; i++ {
		u, o := &w.ls[i], &w.ls[i+1]
		if u.c == 'u' && u.mark == markHorn && o.c == 'o' && o.mark == markNone && i+2 < len(w.ls) {
			o.mark = markHorn
		}
	}
}

// parseWord takes the text of a word apart, as the engine would have
// composed it; ok is false if it holds anything but Vietnamese letters with
// at most one tone.
func parseWord(text []rune) (w word, ok bool) {
	if len(text) > maxLetters {
		return word{}, false
	}
	for _, r := range text {
		g, ok := decomposeRune(r)
		if !ok {
			return word{}, false
		}
		if g.tone != toneNone {
			if w.tone != toneNone {
				return word{}, false
			}
			w.tone = g.tone
		}
		w.ls = append(w.ls, letter{c: g.c, mark: g.mark, upper: g.upper})
	}
	start, end := split(w.ls)
	for i := start; i+1 < end; i++ {
		// uơ and ươ: the horn of the u as the engine shows it (uơ until a
		// letter follows the o).
		if w.ls[i].c == 'u' && w.ls[i+1].c == 'o' && w.ls[i+1].mark == markHorn {
			w.ls[i].mark, w.ls[i].auto = markHorn, true
		}
	}
	if !w.valid() {
		return word{}, false
	}
	return w, true
}
