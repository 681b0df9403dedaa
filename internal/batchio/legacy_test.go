package batchio

import (
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Inverse tables written independently of the decoders, as a grid of
// vowel x tone (none, grave, hook, tilde, acute, dot below).
var tcvn3Grid = map[string][6]byte{
	"a": {'a', 0xB5, 0xB6, 0xB7, 0xB8, 0xB9},
	"ă": {0xA8, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6},
	"â": {0xA9, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB},
	"e": {'e', 0xCC, 0xCE, 0xCF, 0xD0, 0xD1},
	"ê": {0xAA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6},
	"i": {'i', 0xD7, 0xD8, 0xDC, 0xDD, 0xDE},
	"o": {'o', 0xDF, 0xE1, 0xE2, 0xE3, 0xE4},
	"ô": {0xAB, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9},
	"ơ": {0xAC, 0xEA, 0xEB, 0xEC, 0xED, 0xEE},
	"u": {'u', 0xEF, 0xF1, 0xF2, 0xF3, 0xF4},
	"ư": {0xAD, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9},
	"y": {'y', 0xFA, 0xFB, 0xFC, 0xFD, 0xFE},
}

var tones = [6]rune{0, '\u0300', '\u0309', '\u0303', '\u0301', '\u0323'}

func encodeTCVN3(t *testing.T, s string) []byte {
	t.Helper()
	inv := map[rune]byte{'Ă': 0xA1, 'Â': 0xA2, 'Ê': 0xA3, 'Ô': 0xA4, 'Ơ': 0xA5, 'Ư': 0xA6, 'Đ': 0xA7, 'đ': 0xAE}
	for v, row := range tcvn3Grid {
		for i, b := range row {
			inv[composeTone(v, tones[i])] = b
		}
	}
	var out []byte
	for _, r := range s {
		if r < 0x80 {
			out = append(out, byte(r))
			continue
		}
		b, ok := inv[r]
		if !ok {
			t.Fatalf("TCVN3 cannot encode %q", r)
		}
		out = append(out, b)
	}
	return out
}

func composeTone(v string, tone rune) rune {
	s := v
	if tone != 0 {
		s += string(tone)
	}
	r := []rune(norm.NFC.String(s))
	return r[0]
}

// VNI: base letter, then modifier bytes. Lower and upper mark bytes.
var (
	vniToneLo = [6]byte{0, 0xF8, 0xFB, 0xF5, 0xF9, 0xEF}
	vniToneUp = [6]byte{0, 0xD8, 0xDB, 0xD5, 0xD9, 0xCF}
	vniCircLo = [6]byte{0xE2, 0xE0, 0xE5, 0xE3, 0xE1, 0xE4}
	vniCircUp = [6]byte{0xC2, 0xC0, 0xC5, 0xC3, 0xC1, 0xC4}
	vniBrevLo = [6]byte{0xEA, 0xE8, 0xFA, 0xFC, 0xE9, 0xEB}
	vniBrevUp = [6]byte{0xCA, 0xC8, 0xDA, 0xDC, 0xC9, 0xCB}
	// i and ỵ with tones are single bytes.
	vniI = map[rune]byte{'ì': 0xEC, 'ỉ': 0xE6, 'ĩ': 0xF3, 'í': 0xED, 'ị': 0xF2, 'ỵ': 0xEE,
		'Ì': 0xCC, 'Ỉ': 0xC6, 'Ĩ': 0xD3, 'Í': 0xCD, 'Ị': 0xD2, 'Ỵ': 0xCE}
	vniLetter = map[rune]byte{'đ': 0xF1, 'Đ': 0xD1, 'ơ': 0xF4, 'Ơ': 0xD4, 'ư': 0xF6, 'Ư': 0xD6}
)

func toneIndex(r rune) int {
	for i, t := range tones {
		if i > 0 && t == r {
			return i
		}
	}
	return -1
}

func encodeVNI(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for _, r := range norm.NFC.String(s) {
		if b, ok := vniI[r]; ok {
			out = append(out, b)
			continue
		}
		d := []rune(norm.NFD.String(string(r)))
		base := d[0]
		upper := base >= 'A' && base <= 'Z'
		tone, mod := 0, rune(0)
		for _, m := range d[1:] {
			switch {
			case m == '\u0302' || m == '\u0306' || m == '\u031B':
				mod = m
			case toneIndex(m) > 0:
				tone = toneIndex(m)
			default:
				t.Fatalf("VNI: unexpected mark %U in %q", m, r)
			}
		}
		switch mod {
		case 0:
			if base >= 0x80 {
				if b, ok := vniLetter[base]; ok {
					out = append(out, b)
					break
				}
				t.Fatalf("VNI cannot encode %q", r)
			}
			out = append(out, byte(base))
			if tone > 0 {
				out = append(out, pick(upper, vniToneUp, vniToneLo)[tone])
			}
		case '\u031B': // horn: ơ/ư are single bytes, tone follows
			out = append(out, vniLetter[[]rune(norm.NFC.String(string(base) + "\u031B"))[0]])
			if tone > 0 {
				out = append(out, pick(upper, vniToneUp, vniToneLo)[tone])
			}
		case '\u0302':
			out = append(out, byte(base), pick(upper, vniCircUp, vniCircLo)[tone])
		case '\u0306':
			out = append(out, byte(base), pick(upper, vniBrevUp, vniBrevLo)[tone])
		}
	}
	return out
}

func pick(upper bool, u, l [6]byte) [6]byte {
	if upper {
		return u
	}
	return l
}

// encode1258 writes Windows-1258 the way Vietnamese Windows did: letters
// with circumflex, breve or horn precomposed, tones as combining marks.
func encode1258(t *testing.T, s string) []byte {
	t.Helper()
	d := []rune(norm.NFD.String(s))
	var b strings.Builder
	for i := 0; i < len(d); i++ {
		r := d[i]
		for i+1 < len(d) && (d[i+1] == '\u0302' || d[i+1] == '\u0306' || d[i+1] == '\u031B') {
			r = []rune(norm.NFC.String(string(r) + string(d[i+1])))[0]
			i++
		}
		// The dot below sorts before the circumflex in NFD: put it back after.
		if i+2 < len(d) && d[i+1] == '\u0323' && (d[i+2] == '\u0302' || d[i+2] == '\u0306' || d[i+2] == '\u031B') {
			r = []rune(norm.NFC.String(string(r) + string(d[i+2])))[0]
			b.WriteRune(r)
			b.WriteRune('\u0323')
			i += 2
			continue
		}
		b.WriteRune(r)
	}
	out, err := charmap.Windows1258.NewEncoder().String(b.String())
	if err != nil {
		t.Fatalf("windows-1258 encode: %v", err)
	}
	return []byte(out)
}

// allVowels is every Vietnamese vowel with every tone, lower and upper.
func allVowels(upperTones bool) string {
	var b strings.Builder
	for _, v := range []string{"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"} {
		for _, tn := range tones {
			s := v
			if tn != 0 {
				s += string(tn)
			}
			b.WriteString(norm.NFC.String(s))
			if upperTones || tn == 0 {
				b.WriteString(strings.ToUpper(norm.NFC.String(s)))
			}
		}
		b.WriteByte(' ')
	}
	return b.String() + "đĐ"
}

func TestLegacyEncodingsRoundTrip(t *testing.T) {
	names := "Nguyễn Thị Hoà;Đặng Văn Ánh;Trương Quốc Bảo;Lê Thị Thuỳ Dương;Phạm Ngọc Quyết"
	// TCVN3 has no toned capitals: its names keep toned letters lowercase.
	tcvnNames := "Nguyễn Thị Hoà;Đặng Văn Anh;Trương Quốc Bảo;Lê Thị Thuỳ Dương;Phạm Ngọc Quyết"
	cases := []struct {
		enc  string
		text string
		fn   func(*testing.T, string) []byte
	}{
		{"windows-1258", allVowels(true) + ";" + names, encode1258},
		{"vni", allVowels(true) + ";" + names, encodeVNI},
		{"tcvn3", allVowels(false) + ";" + tcvnNames, encodeTCVN3},
	}
	for _, c := range cases {
		t.Run(c.enc, func(t *testing.T) {
			want := norm.NFC.String(c.text)
			cells := strings.Split(want, ";")
			header := "c1;c2;c3;c4;c5;c6"
			src := strings.ReplaceAll(header, ";", ",") + "\r\n" + strings.ReplaceAll(want, ";", ",") + "\r\n"
			raw := c.fn(t, src)
			if c.enc != "windows-1258" && strings.Contains(string(raw), "\u0300") {
				t.Fatal("encoder produced UTF-8")
			}
			r, err := OpenReader(strings.NewReader(string(raw)), "csv", Options{Encoding: c.enc})
			if err != nil {
				t.Fatal(err)
			}
			rec, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range cells {
				got := rec.Fields[r.Header()[i]]
				if got != want {
					t.Errorf("cell %d:\n got %q\nwant %q", i+1, got, want)
				}
				if !norm.NFC.IsNormalString(got) {
					t.Errorf("cell %d not NFC", i+1)
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("want EOF, got %v", err)
			}
		})
	}
}

// Samples as published by converters, checked byte for byte (not through
// our inverse tables).
func TestLegacyKnownSamples(t *testing.T) {
	cases := []struct{ enc, raw, want string }{
		{"vni", "Xin cha\xf8o ca\xf9c ba\xefn", "Xin chào các bạn"},
		{"vni", "Tr\xf6\xf4\xf8ng", "Trường"},
		{"vni", "\xd1a\xebng Va\xean A\xd9nh", "Đặng Văn Ánh"},
		{"tcvn3", "B\xb6o Th\xbeng", "Bảo Thắng"},
		{"tcvn3", "M\xad\xeang Kh\xad\xacng", "Mường Khương"},
		{"windows-1258", "Hoa\xcc", "Hoà"},
	}
	for _, c := range cases {
		r, err := OpenReader(strings.NewReader("x\n"+c.raw+"\n"), "csv", Options{Encoding: c.enc})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Fields["x"]; got != c.want {
			t.Errorf("%s %q: got %q want %q", c.enc, c.raw, got, c.want)
		}
	}
}

func TestUnknownEncoding(t *testing.T) {
	_, err := OpenReader(strings.NewReader("a\n1\n"), "csv", Options{Encoding: "viscii"})
	if err == nil || !errorsIs(err, ErrUnsupported) {
		t.Fatalf("want ErrUnsupported, got %v", err)
	}
}
