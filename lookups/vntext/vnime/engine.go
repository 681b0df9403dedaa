package vnime

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Method is the typing method: which keys put the marks and the tones.
type Method uint8

const (
	// Telex: aa â, aw ă, ee ê, oo ô, ow ơ, uw ư, w ư, dd đ; tones s f r x j, z
	// removes the tone.
	Telex Method = iota
	// VNI: 6 circumflex, 7 horn, 8 breve, 9 đ; tones 1 2 3 4 5, 0 removes the
	// tone.
	VNI
)

// String returns the method's usual name.
func (m Method) String() string {
	if m == VNI {
		return "VNI"
	}
	return "Telex"
}

// Style is where the tone goes on oa, oe and uy at the end of a syllable.
// The names follow this project (README, sandbox data): "Hoà" is the old
// style. Unikey labels the same choice the other way round ("oà, uý" is its
// modern style); the examples, not the names, are the reference.
type Style uint8

const (
	// NewStyle: hòa, khỏe, thủy (the tone on the first vowel), as the
	// population database writes names.
	NewStyle Style = iota
	// OldStyle: hoà, khoẻ, thuỷ (the tone on the second vowel), as many chip
	// cards print them.
	OldStyle
)

// String returns an example of the style: "hòa" or "hoà".
func (s Style) String() string {
	if s == OldStyle {
		return "hoà"
	}
	return "hòa"
}

// Edit is what a key does to the text before the cursor: delete Delete runes
// (one rune is one letter: the text is NFC), then insert Insert.
type Edit struct {
	Delete int
	Insert string
}

type mode uint8

const (
	// modeFresh: no word under way; the cursor is after a separator or at
	// the start of the text (as far as the engine knows).
	modeFresh mode = iota
	// modeWord: composing a word.
	modeWord
	// modeLiteral: the word is no Vietnamese (or a mark was undone): keys go
	// in as typed until the word ends.
	modeLiteral
	// modeForeign: the text around the cursor is not the engine's (letters
	// it did not type, letters an input method composed, an e-mail address):
	// keys go in as typed until white space.
	modeForeign
)

// maxLiteral bounds the literal word the engine keeps track of; a longer one
// is left alone as foreign text.
const maxLiteral = 64

// maxSeg bounds the trailing combining sequence kept to compose combining
// marks typed after it.
const maxSeg = 16

// snapshot is the state of a word that a separator ended, restored when a
// Backspace deletes that separator.
type snapshot struct {
	mode mode
	w    word
	raw  []rune
	out  []rune
}

// Engine turns the keys typed into a text field into Vietnamese, one key at
// a time. It keeps only the word under the cursor; see the package
// documentation for the contract with the text field. The zero Engine is
// not usable: call New. An Engine is not safe for concurrent use.
type Engine struct {
	method Method
	style  Style

	mode mode
	w    word
	raw  []rune // keys of the word since it started (modeWord)
	out  []rune // the word as the text shows it (modeWord, modeLiteral)
	prev *snapshot

	seg   []rune // trailing combining sequence before the cursor
	segOK bool   // seg is known
	// ime: an input method composed a letter in this token; the engine stays
	// out of the way until white space, even across Backspace and Sync.
	ime bool

	lsBuf [maxLetters + 1]letter
	// unWUpper: the undone ư of a lone w was a capital (Ww gives W).
	unWUpper bool

	bak backup // the state before the last Key, for Cancel
}

// backup is the state of an Engine before a Key.
type backup struct {
	valid         bool
	mode          mode
	ls            [maxLetters + 1]letter
	n             int
	tone          uint8
	raw, out, seg []rune
	prev          *snapshot
	segOK, ime    bool
}

func (e *Engine) save() {
	b := &e.bak
	b.valid, b.mode, b.tone, b.prev, b.segOK, b.ime = true, e.mode, e.w.tone, e.prev, e.segOK, e.ime
	b.n = copy(b.ls[:], e.w.ls)
	b.raw = append(b.raw[:0], e.raw...)
	b.out = append(b.out[:0], e.out...)
	b.seg = append(b.seg[:0], e.seg...)
}

// Cancel takes the last Key back: the field did not apply its edit (it
// would not fit the field's length limit, say). Only the last Key, and only
// if nothing (Backspace, Sync, Reset) came after it, can be taken back.
func (e *Engine) Cancel() {
	b := &e.bak
	if !b.valid {
		return
	}
	b.valid = false
	e.mode, e.w.tone, e.prev, e.segOK, e.ime = b.mode, b.tone, b.prev, b.segOK, b.ime
	e.w.ls = append(e.lsBuf[:0], b.ls[:b.n]...)
	e.raw = append(e.raw[:0], b.raw...)
	e.out = append(e.out[:0], b.out...)
	e.seg = append(e.seg[:0], b.seg...)
}

// New returns an engine for the method and the tone style.
func New(m Method, s Style) *Engine {
	e := &Engine{method: m, style: s}
	e.Reset()
	return e
}

// Method returns the typing method.
func (e *Engine) Method() Method { return e.method }

// SetMethod changes the typing method; the word under way ends.
func (e *Engine) SetMethod(m Method) {
	if m != e.method {
		e.method = m
		e.endWord()
	}
}

// Style returns the tone placement style.
func (e *Engine) Style() Style { return e.style }

// SetStyle changes the tone placement; it applies from the next key.
func (e *Engine) SetStyle(s Style) { e.style = s }

// Word returns the word under way as the text shows it ("" if none, or if
// the text around the cursor is not the engine's).
func (e *Engine) Word() string {
	if e.mode == modeWord || e.mode == modeLiteral {
		return string(e.out)
	}
	return ""
}

// Reset forgets everything: the next key starts a word at the start of an
// empty text. Call it when the field is cleared; after a cursor move or a
// change of the text, Sync tells the engine what is before the cursor.
func (e *Engine) Reset() {
	e.bak.valid = false
	e.mode = modeFresh
	e.w.ls = e.lsBuf[:0]
	e.w.tone = toneNone
	e.raw = e.raw[:0]
	e.out = e.out[:0]
	e.prev = nil
	e.seg = e.seg[:0]
	e.segOK = true
	e.ime = false
}

// endWord ends the word under way without keeping it for Backspace.
func (e *Engine) endWord() {
	e.mode = modeFresh
	e.w.ls = e.lsBuf[:0]
	e.w.tone = toneNone
	e.raw = e.raw[:0]
	e.out = e.out[:0]
	e.prev = nil
}

// Sync tells the engine the text before the cursor. If it does not end with
// the word under way (the cursor moved, the text was changed or pasted
// into), the word is dropped; if letters the engine did not type touch the
// cursor, or the text at the cursor is an e-mail address or an identifier,
// the keys go in as typed until the next white space. Calling Sync before
// every key is the simplest correct use; it costs a look at the end of
// before.
func (e *Engine) Sync(before string) {
	e.bak.valid = false
	e.syncSeg(before)
	last, _ := utf8.DecodeLastRuneInString(before)
	switch e.mode {
	case modeWord, modeLiteral:
		if hasRuneSuffix(before, e.out) {
			return
		}
	case modeFresh:
		if before == "" || unicode.IsSpace(last) || (!glued(last) && !tokenIsForeign(before)) {
			return
		}
	case modeForeign:
		if e.ime || (before != "" && !unicode.IsSpace(last)) {
			return
		}
	}
	e.endWord()
	if before == "" || unicode.IsSpace(last) {
		return
	}
	if glued(last) || tokenIsForeign(before) {
		e.mode = modeForeign
	}
}

// glued reports whether a key typed after r continues the word r ends.
func glued(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// foreignMarker reports whether r makes the token it is in no prose: an
// e-mail address, a user name.
func foreignMarker(r rune) bool { return r == '@' || r == '_' }

// tokenIsForeign reports whether the last token of s (after the last white
// space) holds a foreign marker.
func tokenIsForeign(s string) bool {
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		if unicode.IsSpace(r) {
			return false
		}
		if foreignMarker(r) {
			return true
		}
		s = s[:len(s)-n]
	}
	return false
}

// hasRuneSuffix reports whether s ends with the runes of suf.
func hasRuneSuffix(s string, suf []rune) bool {
	for i := len(suf) - 1; i >= 0; i-- {
		r, n := utf8.DecodeLastRuneInString(s)
		if n == 0 || r != suf[i] {
			return false
		}
		s = s[:len(s)-n]
	}
	return true
}

// syncSeg sets the trailing combining sequence from the text before the cursor.
func (e *Engine) syncSeg(before string) {
	e.seg = e.seg[:0]
	e.segOK = true
	i := len(before)
	for n := 0; i > 0; n++ {
		if n == maxSeg {
			e.segOK = false
			return
		}
		r, size := utf8.DecodeLastRuneInString(before[:i])
		i -= size
		if startsSegment(r) {
			break
		}
	}
	for _, r := range before[i:] {
		e.seg = append(e.seg, r)
	}
}

// startsSegment reports whether r starts a combining sequence: nothing
// before it composes with it.
func startsSegment(r rune) bool {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	return norm.NFC.Properties(buf[:n]).BoundaryBefore()
}

// Backspace tells the engine that the field deleted the rune before the
// cursor. Delete, cursor moves and every other change of the text are not
// Backspace: call Sync (or Reset).
func (e *Engine) Backspace() {
	e.bak.valid = false
	switch e.mode {
	case modeForeign:
		e.segOK = false
	case modeFresh:
		if e.prev == nil {
			// Something the engine does not know is now before the cursor.
			e.mode = modeForeign
			e.segOK = false
			return
		}
		p := e.prev
		e.prev = nil
		e.mode, e.raw, e.out = p.mode, append(e.raw[:0], p.raw...), append(e.out[:0], p.out...)
		e.w.ls = append(e.lsBuf[:0], p.w.ls...)
		e.w.tone = p.w.tone
		e.setSegFromOut()
	case modeWord, modeLiteral:
		e.out = e.out[:len(e.out)-1]
		if len(e.out) == 0 {
			e.mode = modeFresh
			e.w.ls = e.lsBuf[:0]
			e.w.tone = toneNone
			e.raw = e.raw[:0]
			// The separator before the word is not kept: a combining mark
			// typed now goes in as it is (Sync tells what is there).
			e.segOK = false
			return
		}
		e.reparse()
		e.setSegFromOut()
	}
}

// setSegFromOut sets the trailing sequence to the last rune of the word
// (every rune of a word the engine tracks is a starter).
func (e *Engine) setSegFromOut() {
	e.seg = append(e.seg[:0], e.out[len(e.out)-1])
	e.segOK = true
}

// reparse rebuilds the word from its text after a Backspace: as Vietnamese
// if it is, as typed otherwise. The text stays as it is until the next key.
func (e *Engine) reparse() {
	w, ok := parseWord(e.out)
	if !ok {
		e.mode = modeLiteral
		return
	}
	e.mode = modeWord
	e.w.ls = append(e.lsBuf[:0], w.ls...)
	e.w.tone = w.tone
	e.raw = e.keysOf(e.raw[:0])
}

// keysOf appends the keys that type the word (marks after their letter, the
// tone last), used as the keys of a word rebuilt after a Backspace.
func (e *Engine) keysOf(dst []rune) []rune {
	for _, l := range e.w.ls {
		k := rune(l.c)
		if l.upper {
			k = unicode.ToUpper(k)
		}
		dst = append(dst, k)
		if e.method == VNI {
			switch l.mark {
			case markCirc:
				dst = append(dst, '6')
			case markHorn:
				dst = append(dst, '7')
			case markBreve:
				dst = append(dst, '8')
			case markStroke:
				dst = append(dst, '9')
			}
			continue
		}
		switch l.mark {
		case markCirc, markStroke:
			dst = append(dst, k)
		case markHorn, markBreve:
			dst = append(dst, 'w')
		}
	}
	if e.w.tone != toneNone {
		if e.method == VNI {
			dst = append(dst, '0'+rune(e.w.tone))
		} else {
			dst = append(dst, rune("_sfrxj"[e.w.tone]))
		}
	}
	return dst
}

// Key types r and returns the edit to make before the cursor. The field
// must apply every edit and report every Backspace; anything else that
// changes the text or moves the cursor calls for Sync.
func (e *Engine) Key(r rune) Edit {
	e.save()
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	if !startsSegment(r) {
		// A combining mark: an input method composing. Compose it with what
		// it follows, and leave the token alone.
		e.ime = true
		return e.combine(r)
	}
	switch {
	case unicode.IsSpace(r):
		e.separate()
		e.mode = modeFresh
		e.ime = false
		return e.insert(r)
	case e.mode == modeForeign:
		return e.insert(r)
	case foreignMarker(r):
		// An e-mail address or a user name: give back the word as typed.
		var ed Edit
		if e.mode == modeWord {
			ed = e.diff(e.raw)
		}
		e.endWord()
		e.mode = modeForeign
		ed.Insert += string(r)
		e.seg = append(e.seg[:0], r)
		e.segOK = true
		return ed
	case r >= utf8.RuneSelf && unicode.IsLetter(r):
		// A letter an input method composed: take it as it is.
		e.endWord()
		e.mode = modeForeign
		e.ime = true
		return e.insert(r)
	}
	ascii := r < utf8.RuneSelf && ('a' <= r|0x20 && r|0x20 <= 'z')
	digit := '0' <= r && r <= '9'
	if e.mode == modeLiteral && (ascii || digit) {
		if len(e.out) >= maxLiteral {
			e.endWord()
			e.mode = modeForeign
			return e.insert(r)
		}
		e.out = append(e.out, r)
		return e.insert(r)
	}
	if ascii || (digit && e.method == VNI) {
		if ed, ok := e.compose(r); ok {
			return ed
		}
	}
	// A separator: punctuation, a digit (Telex) or a VNI digit with nothing
	// to do.
	e.separate()
	return e.insert(r)
}

// separate ends the word under way, keeping it for a Backspace over the
// separator typed now.
func (e *Engine) separate() {
	var p *snapshot
	switch e.mode {
	case modeForeign:
		e.prev = nil
		return
	case modeWord, modeLiteral:
		p = &snapshot{mode: e.mode, raw: append([]rune(nil), e.raw...), out: append([]rune(nil), e.out...)}
		p.w.ls = append([]letter(nil), e.w.ls...)
		p.w.tone = e.w.tone
	}
	// After a second separator the word before the first is lost.
	e.endWord()
	e.prev = p
}

// insert returns the edit that inserts r, keeping track of the trailing
// combining sequence.
func (e *Engine) insert(r rune) Edit {
	s := string(r)
	if r >= utf8.RuneSelf {
		s = norm.NFC.String(s) // Å for the Ångström sign
	}
	e.seg = e.seg[:0]
	for _, r := range s {
		e.seg = append(e.seg, r)
	}
	e.segOK = true
	return Edit{Insert: s}
}

// combine returns the edit that adds combining mark r to the text, composed
// with the sequence before it (NFC).
func (e *Engine) combine(r rune) Edit {
	e.endWord()
	e.mode = modeForeign
	if !e.segOK || len(e.seg) >= maxSeg {
		e.segOK = false
		return Edit{Insert: string(r)}
	}
	old := len(e.seg)
	composed := []rune(norm.NFC.String(string(append(e.seg, r))))
	p := 0
	for p < old && p < len(composed) && e.seg[p] == composed[p] {
		p++
	}
	ed := Edit{Delete: old - p, Insert: string(composed[p:])}
	// Keep the last combining sequence of the result (all of it at the
	// start of the text, where no starter comes first).
	i := len(composed) - 1
	for i > 0 && !startsSegment(composed[i]) {
		i--
	}
	e.seg = append(e.seg[:0], composed[i:]...)
	return ed
}

// diff returns the edit that turns the word's text into next, and makes
// next the word's text.
func (e *Engine) diff(next []rune) Edit {
	p := 0
	for p < len(e.out) && p < len(next) && e.out[p] == next[p] {
		p++
	}
	ed := Edit{Delete: len(e.out) - p, Insert: string(next[p:])}
	e.out = append(e.out[:0], next...)
	if len(e.out) > 0 {
		e.setSegFromOut()
	}
	return ed
}

// compose types letter or VNI digit r into the word; ok is false for a VNI
// digit that does nothing here (a separator).
func (e *Engine) compose(r rune) (Edit, bool) {
	if e.mode == modeFresh {
		e.mode = modeWord
		e.raw = e.raw[:0]
		e.out = e.out[:0]
	}
	raw := append(e.raw, r)
	res := e.apply(r)
	switch res {
	case resSkip:
		if len(e.w.ls) == 0 {
			e.mode = modeFresh
		}
		return Edit{}, false
	case resUndo:
		// The key undid its mark and goes in as a letter; the word is taken
		// as typed from now on.
		if e.unWUpper {
			r, e.unWUpper = unicode.ToUpper(r), false
		}
		var buf [maxLetters + 2]rune
		next := append(e.w.render(buf[:0], e.style), r)
		ed := e.diff(next)
		e.mode = modeLiteral
		return ed, true
	case resInvalid:
		// No Vietnamese word: give back the keys as typed.
		ed := e.diff(raw)
		e.raw = raw
		e.mode = modeLiteral
		return ed, true
	}
	e.raw = raw
	var buf [maxLetters + 1]rune
	return e.diff(e.w.render(buf[:0], e.style)), true
}

type result uint8

const (
	resDone    result = iota // the key changed the word, still Vietnamese
	resUndo                  // the key undid its own mark or tone
	resInvalid               // the word is no Vietnamese any more
	resSkip                  // a VNI digit with nothing to do: a separator
)

// apply changes the word for key r.
func (e *Engine) apply(r rune) result {
	k := byte(r | 0x20) // lower-case ASCII letter, or the digit
	if e.method == VNI {
		switch {
		case k >= '1' && k <= '5':
			// A digit is no letter of an English word: the tone may come
			// before the marks (Nguyen46).
			return e.orSkip(e.tone(k-'0', false))
		case k == '0':
			if e.w.tone == toneNone {
				return resSkip
			}
			e.w.tone = toneNone
			return resDone
		case k == '6':
			return e.orSkip(e.vowelMark(markCirc, 0))
		case k == '7':
			return e.orSkip(e.hook(true, false, false))
		case k == '8':
			return e.orSkip(e.hook(false, true, false))
		case k == '9':
			return e.orSkip(e.stroke(false))
		}
		return e.letter(r, false)
	}
	var res result
	ok := false
	switch k {
	case 's', 'f', 'r', 'x', 'j':
		res, ok = e.tone(telexTone(k), true)
	case 'z':
		if e.w.tone != toneNone && len(e.w.ls) > 0 {
			e.w.tone = toneNone
			res, ok = resDone, true
		}
	case 'a', 'e', 'o':
		res, ok = e.vowelMark(markCirc, k)
	case 'w':
		res, ok = e.hook(true, true, true)
		if !ok {
			return e.letter(r, true)
		}
	case 'd':
		res, ok = e.stroke(true)
	}
	if ok {
		return res
	}
	return e.letter(r, false)
}

func telexTone(k byte) uint8 {
	switch k {
	case 's':
		return toneAcute
	case 'f':
		return toneGrave
	case 'r':
		return toneHook
	case 'x':
		return toneTilde
	}
	return toneDot
}

func (e *Engine) orSkip(res result, ok bool) result {
	if !ok {
		return resSkip
	}
	return res
}

// letter appends letter r; lone reports a Telex w that found nothing to
// hook: it types ư where ư may go (w, tw, nhw, giw), else w.
func (e *Engine) letter(r rune, lone bool) result {
	if len(e.w.ls) >= maxLetters {
		return resInvalid
	}
	l := letter{c: byte(r | 0x20), upper: r < 'a'}
	if lone {
		e.w.ls = append(e.w.ls, letter{c: 'u', mark: markHorn, upper: l.upper, byW: true})
		if e.w.valid() {
			return resDone
		}
		e.w.ls = e.w.ls[:len(e.w.ls)-1]
	}
	e.w.ls = append(e.w.ls, l)
	e.w.fixHorn()
	if !e.w.valid() {
		return resInvalid
	}
	return resDone
}

// tone sets tone t; the same tone again undoes it. asIs: the letters as they
// are must begin a syllable (Telex, where the tone keys are letters of
// English words: "user" is no "ủe").
func (e *Engine) tone(t uint8, asIs bool) (result, bool) {
	start, end := split(e.w.ls)
	if start == end {
		return 0, false
	}
	if e.w.tone == t {
		e.w.tone = toneNone
		return resUndo, true
	}
	old := e.w.tone
	e.w.tone = t
	if !e.w.valid() || (asIs && !e.w.validAsIs()) {
		e.w.tone = old
		return 0, false
	}
	return resDone, true
}

// vowelMark puts the circumflex on a vowel of the nucleus (only on base
// letter only, if not 0); typed again it undoes it.
func (e *Engine) vowelMark(m uint8, only byte) (result, bool) {
	start, end := split(e.w.ls)
	for i := start; i < end; i++ {
		l := &e.w.ls[i]
		if (only == 0 || l.c == only) && l.mark == m {
			l.mark = markNone
			return resUndo, true
		}
	}
	for i := end - 1; i >= start; i-- {
		l := &e.w.ls[i]
		if (only != 0 && l.c != only) || !markFits(l.c, m) {
			continue
		}
		old := *l
		l.mark, l.auto = m, false
		if e.w.valid() {
			return resDone, true
		}
		*l = old
	}
	return 0, false
}

// hook puts the horn (ơ ư, both on uo) or the breve (ă) on the nucleus; the
// same key again undoes it. lone: a Telex w, whose ư made by a lone w is
// removed again.
func (e *Engine) hook(horn, breve, lone bool) (result, bool) {
	start, end := split(e.w.ls)
	ls := e.w.ls
	// uo takes the horn on both.
	if horn {
		for i := start; i+1 < end; i++ {
			u, o := &ls[i], &ls[i+1]
			if u.c != 'u' || o.c != 'o' {
				continue
			}
			if u.mark == markHorn && o.mark == markHorn {
				u.mark, u.auto, o.mark = markNone, false, markNone
				if u.byW {
					return e.unW(i), true
				}
				return resUndo, true
			}
			oldU, oldO := *u, *o
			if u.mark != markHorn {
				u.mark, u.auto = markHorn, true
			}
			o.mark = markHorn
			if e.w.valid() {
				return resDone, true
			}
			*u, *o = oldU, oldO
		}
	}
	fits := func(l *letter) uint8 {
		switch {
		case horn && (l.c == 'u' || l.c == 'o'):
			return markHorn
		case breve && l.c == 'a':
			return markBreve
		}
		return markNone
	}
	for i := start; i < end; i++ {
		l := &ls[i]
		if m := fits(l); m != markNone && l.mark == m {
			l.mark, l.auto = markNone, false
			if l.byW {
				return e.unW(i), true
			}
			return resUndo, true
		}
	}
	for i := start; i < end; i++ {
		l := &ls[i]
		m := fits(l)
		if m == markNone {
			continue
		}
		old := *l
		l.mark, l.auto = m, false
		if e.w.valid() {
			return resDone, true
		}
		*l = old
	}
	return 0, false
}

// unW undoes the ư a lone w typed at i: the letter goes, the w comes as
// typed.
func (e *Engine) unW(i int) result {
	e.unWUpper = e.w.ls[i].upper
	e.w.ls = append(e.w.ls[:i], e.w.ls[i+1:]...)
	return resUndo
}

// stroke turns the d that starts the word into đ (Telex: only right after
// it, so "did" stays English); again, it undoes it.
func (e *Engine) stroke(adjacent bool) (result, bool) {
	ls := e.w.ls
	if len(ls) == 0 || ls[0].c != 'd' || (adjacent && len(ls) != 1) {
		return 0, false
	}
	if ls[0].mark == markStroke {
		ls[0].mark = markNone
		return resUndo, true
	}
	ls[0].mark = markStroke
	if !e.w.valid() {
		ls[0].mark = markNone
		return 0, false
	}
	return resDone, true
}
