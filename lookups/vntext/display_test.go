package vntext

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestDisplayNeutralisesTerminalControls(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "G01.00004-261123-010001", "G01.00004-261123-010001"},
		{"vietnamese kept", "Nguyễn Thị Hoà, Phường Ba Đình", "Nguyễn Thị Hoà, Phường Ba Đình"},
		{"NFD composed", norm.NFD.String("Trần Đức Kiên"), "Trần Đức Kiên"},
		{"clear screen", "An\x1b[2JBình", "An\uFFFD[2JBình"},
		{"OSC title", "\x1b]0;bị chiếm\x07Tên", "\uFFFD]0;bị chiếm\uFFFDTên"},
		{"OSC 8 hyperlink", "\x1b]8;;http://x/\x1b\\bấm\x1b]8;;\x1b\\", "\uFFFD]8;;http://x/\uFFFD\\bấm\uFFFD]8;;\uFFFD\\"},
		{"C1 CSI", "a\u009b2Jb", "a\uFFFD2Jb"},
		{"CR forges a line", "Nguyễn An\rĐã gửi", "Nguyễn An Đã gửi"},
		{"LF forges a line", "Nguyễn An\nTình trạng: độc thân", "Nguyễn An Tình trạng: độc thân"},
		{"CRLF and tab", "a\r\n\tb", "a   b"},
		{"unicode line separators", "a\u2028b\u2029c\u0085d", "a b c d"},
		{"bidi override", "\u202eabc\u202c", "\uFFFDabc\uFFFD"},
		{"bidi isolates and marks", "\u2066x\u2069\u200f\u200e\u061c", "\uFFFDx\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"zero width and BOM", "a\u200bb\ufeff", "a\uFFFDb\uFFFD"},
		{"NUL DEL BEL BS", "a\x00b\x7fc\x07d\x08", "a\uFFFDb\uFFFDc\uFFFDd\uFFFD"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Display(tt.in)
			if got != tt.want {
				t.Errorf("Display(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for _, r := range got {
				if r != '\uFFFD' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
					t.Errorf("Display(%q) keeps %U", tt.in, r)
				}
			}
			if strings.ContainsAny(got, "\x1b\r\n\a\t") {
				t.Errorf("Display(%q) = %q keeps a control", tt.in, got)
			}
		})
	}
}

func FuzzDisplay(f *testing.F) {
	for _, s := range []string{"Nguyễn Thị Hoà", "\x1b[2J\x1b]0;x\x07\r\n\u202e", "a\xffb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Display(s)
		for _, r := range got {
			if r == '\uFFFD' {
				continue
			}
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("Display(%q) keeps %U", s, r)
			}
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("Display(%q) = %q is not NFC", s, got)
		}
		if Display(got) != got {
			t.Fatalf("Display is not idempotent on %q", s)
		}
	})
}
