// Package vnime types Vietnamese without an input method: a Telex and VNI
// engine that turns the keys typed into a text field into Vietnamese letters
// as Unikey does, for counter PCs without Unikey, SSH sessions and the Linux
// console. It is pure Go with no UI dependency; package teainput adapts it to
// a bubbles text input.
//
// # Typing
//
// Telex: aa â, aw ă, ee ê, oo ô, ow ơ, uw ư, dd đ; a w that hooks no vowel is
// ư where ư may stand (w ư, tw tư, nhw như); uo + w is ươ (shown uơ while
// nothing follows the o: thuở, huơ, but hương, người); tones s sắc, f huyền,
// r hỏi, x ngã, j nặng, z removes the tone. "Nguyeenx Thij Hoaf" gives
// "Nguyễn Thị Hòa".
//
// VNI: 1 sắc, 2 huyền, 3 hỏi, 4 ngã, 5 nặng, 0 removes the tone; 6
// circumflex, 7 horn (ươ on uo), 8 breve, 9 đ. "Nguye6n4 Thi5 Hoa2" gives
// "Nguyễn Thị Hòa". A digit with nothing to do is a digit.
//
// The tone goes on the right vowel and moves as the word grows (hòa, hoàn,
// hoài), whatever the order of the keys (toans, tosan); qu and gi are onsets
// (quý, giá, gì). Where it goes on oa, oe and uy at the end of a syllable is
// the Style: NewStyle hòa khỏe thủy, OldStyle hoà khoẻ thuỷ.
//
// A mark or tone key pressed again undoes it and types the letter (ass as,
// aaa aa, ww w, ddd dd); the rest of that word is then taken as typed. The
// case of each letter is its own key's (DD and Dd Đ, Aa Â, AA Â, aA â).
//
// In Telex a d makes đ only right after the first d (did stays "did"); a
// vowel key (a e o) and w mark a vowel of the word even after its final
// consonant (tana tân). In VNI the digits may come anywhere after the
// letters (dung9 đung, Nguyen46 Nguyễn).
//
// # Words that are not Vietnamese
//
// A word is composed while its letters can still become a Vietnamese
// syllable (onset, vowels, final, and a tone that fits the final: no huyền
// after c, ch, p, t). The key that makes it impossible gives the word back as
// typed and the rest of the word goes in unchanged: "user", "Windows",
// "email" come out as typed. In Telex a tone key applies only when the letters
// as they stand begin a syllable, so "user" is not "ủe". An @ or _ gives the
// word before it back as typed and leaves the rest of the token (up to white
// space) alone: "thas@gmail.com". Short English words that are also
// Vietnamese change as in Unikey (test tét, this thí), and a tone letter
// doubled right after the tone undoes it (pass pas, coffee cofee; type the
// letter once more: passs pass). The spell check allows the onset kr and the
// final k of Central Highlands place names (Krông Búk, Đắk Lắk).
//
// # The contract with a text field
//
// The engine keeps only the word at the cursor. For each printable key the
// field calls Key and applies the Edit it returns: delete Edit.Delete runes
// before the cursor, insert Edit.Insert (Apply does it on a []rune). When the
// field deletes the rune before the cursor (Backspace) it calls Backspace; the
// word goes on from what is left (hoàn, Backspace, i gives hoài). Before each
// key it may call Sync with the text before the cursor: the engine then
// notices cursor moves, pastes and edits it was not told about, and drops the
// word (a cursor move ends a word). Reset forgets everything, for a cleared
// field.
//
// # Input methods
//
// When an input method (Unikey, IBus, the system's) already composes the
// text, the engine stays out of the way: a precomposed letter (Unikey sends
// backspaces and the replacement letter) or a combining mark (Unikey's
// composed Unicode) is taken as it is, and nothing else in that token is
// transformed until white space, even after Backspace. A word that touches
// letters the engine did not type (Sync sees them) is left alone too.
//
// The text the engine writes is NFC: its letters are precomposed, and a
// combining mark typed after a letter is composed with it (with Sync, or
// after keys the engine saw).
package vnime
