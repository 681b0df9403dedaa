package batchio

import (
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Combining marks used by the VNI decoder; NFC composes them afterwards.
const (
	cGrave = '\u0300'
	cAcute = '\u0301'
	cCirc  = '\u0302'
	cTilde = '\u0303'
	cBreve = '\u0306'
	cHook  = '\u0309'
	cDot   = '\u0323'
)

// tcvn3High maps the bytes 0xA1..0xFE of TCVN3 (ABC, TCVN 5712:1993 VN3)
// to Unicode, transcribed from the published code chart. TCVN3 has no
// toned capitals of its own (the ".VnTimeH" fonts draw the lowercase codes
// as capitals), so those decode as lowercase letters.
var tcvn3High = map[byte]rune{
	0xA1: 'Ă', 0xA2: 'Â', 0xA3: 'Ê', 0xA4: 'Ô', 0xA5: 'Ơ', 0xA6: 'Ư', 0xA7: 'Đ',
	0xA8: 'ă', 0xA9: 'â', 0xAA: 'ê', 0xAB: 'ô', 0xAC: 'ơ', 0xAD: 'ư', 0xAE: 'đ',
	0xB5: 'à', 0xB6: 'ả', 0xB7: 'ã', 0xB8: 'á', 0xB9: 'ạ',
	0xBB: 'ằ', 0xBC: 'ẳ', 0xBD: 'ẵ', 0xBE: 'ắ', 0xC6: 'ặ',
	0xC7: 'ầ', 0xC8: 'ẩ', 0xC9: 'ẫ', 0xCA: 'ấ', 0xCB: 'ậ',
	0xCC: 'è', 0xCE: 'ẻ', 0xCF: 'ẽ', 0xD0: 'é', 0xD1: 'ẹ',
	0xD2: 'ề', 0xD3: 'ể', 0xD4: 'ễ', 0xD5: 'ế', 0xD6: 'ệ',
	0xD7: 'ì', 0xD8: 'ỉ', 0xDC: 'ĩ', 0xDD: 'í', 0xDE: 'ị',
	0xDF: 'ò', 0xE1: 'ỏ', 0xE2: 'õ', 0xE3: 'ó', 0xE4: 'ọ',
	0xE5: 'ồ', 0xE6: 'ổ', 0xE7: 'ỗ', 0xE8: 'ố', 0xE9: 'ộ',
	0xEA: 'ờ', 0xEB: 'ở', 0xEC: 'ỡ', 0xED: 'ớ', 0xEE: 'ợ',
	0xEF: 'ù', 0xF1: 'ủ', 0xF2: 'ũ', 0xF3: 'ú', 0xF4: 'ụ',
	0xF5: 'ừ', 0xF6: 'ử', 0xF7: 'ữ', 0xF8: 'ứ', 0xF9: 'ự',
	0xFA: 'ỳ', 0xFB: 'ỷ', 0xFC: 'ỹ', 0xFD: 'ý', 0xFE: 'ỵ',
}

// vniHigh maps VNI-Windows bytes to Unicode. VNI writes a base letter
// followed by modifier bytes (circumflex, breve, tone), which decode to
// combining marks here; a few letters (đ, ơ, ư, the toned i, ỵ) are single
// bytes. Transcribed from the published VNI-Windows chart.
var vniHigh = map[byte][]rune{
	// lowercase modifiers
	0xF8: {cGrave}, 0xF9: {cAcute}, 0xFB: {cHook}, 0xF5: {cTilde}, 0xEF: {cDot},
	0xE2: {cCirc}, 0xE0: {cCirc, cGrave}, 0xE1: {cCirc, cAcute}, 0xE5: {cCirc, cHook}, 0xE3: {cCirc, cTilde}, 0xE4: {cCirc, cDot},
	0xEA: {cBreve}, 0xE8: {cBreve, cGrave}, 0xE9: {cBreve, cAcute}, 0xFA: {cBreve, cHook}, 0xFC: {cBreve, cTilde}, 0xEB: {cBreve, cDot},
	// lowercase single-byte letters
	0xF1: {'đ'}, 0xF4: {'ơ'}, 0xF6: {'ư'},
	0xEC: {'ì'}, 0xED: {'í'}, 0xE6: {'ỉ'}, 0xF3: {'ĩ'}, 0xF2: {'ị'}, 0xEE: {'ỵ'},
	// uppercase modifiers
	0xD8: {cGrave}, 0xD9: {cAcute}, 0xDB: {cHook}, 0xD5: {cTilde}, 0xCF: {cDot},
	0xC2: {cCirc}, 0xC0: {cCirc, cGrave}, 0xC1: {cCirc, cAcute}, 0xC5: {cCirc, cHook}, 0xC3: {cCirc, cTilde}, 0xC4: {cCirc, cDot},
	0xCA: {cBreve}, 0xC8: {cBreve, cGrave}, 0xC9: {cBreve, cAcute}, 0xDA: {cBreve, cHook}, 0xDC: {cBreve, cTilde}, 0xCB: {cBreve, cDot},
	// uppercase single-byte letters
	0xD1: {'Đ'}, 0xD4: {'Ơ'}, 0xD6: {'Ư'},
	0xCC: {'Ì'}, 0xCD: {'Í'}, 0xC6: {'Ỉ'}, 0xD3: {'Ĩ'}, 0xD2: {'Ị'}, 0xCE: {'Ỵ'},
}

// byteDecoder is a stateless byte -> runes transformer; the output is not
// yet NFC (cells are normalised by the readers).
type byteDecoder struct {
	transform.NopResetter
	table [256][]rune
}

func newByteDecoder(high func(b byte) []rune) *byteDecoder {
	d := &byteDecoder{}
	for i := 0; i < 256; i++ {
		if i < 0x80 {
			d.table[i] = []rune{rune(i)}
			continue
		}
		if rs := high(byte(i)); rs != nil {
			d.table[i] = rs
			continue
		}
		// Bytes outside the chart: read them as Windows-1252, which the
		// TCVN3 and VNI fonts were built on.
		d.table[i] = []rune{charmap.Windows1252.DecodeByte(byte(i))}
	}
	return d
}

func (d *byteDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		rs := d.table[src[nSrc]]
		need := 0
		for _, r := range rs {
			need += utf8.RuneLen(r)
		}
		if nDst+need > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		for _, r := range rs {
			nDst += utf8.EncodeRune(dst[nDst:], r)
		}
		nSrc++
	}
	return nDst, nSrc, nil
}

// decoderFor returns the transformer for a --encoding name, or nil for UTF-8.
func decoderFor(name string) (transform.Transformer, bool) {
	switch normalizeEncoding(name) {
	case "", "utf-8", "utf8":
		return nil, true
	case "windows-1258", "cp1258":
		return charmap.Windows1258.NewDecoder(), true
	case "tcvn3", "abc":
		return newByteDecoder(func(b byte) []rune {
			if r, ok := tcvn3High[b]; ok {
				return []rune{r}
			}
			return nil
		}), true
	case "vni", "vni-windows":
		return newByteDecoder(func(b byte) []rune { return vniHigh[b] }), true
	}
	return nil, false
}

func normalizeEncoding(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
		if c == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}
