package vntext

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNFCAndClean(t *testing.T) {
	nfd := norm.NFD.String("Nguyễn Thị Hoà")
	if nfd == "Nguyễn Thị Hoà" {
		t.Fatal("test setup: NFD form equals NFC form")
	}
	if got := NFC(nfd); got != "Nguyễn Thị Hoà" {
		t.Errorf("NFC(nfd) = %q", got)
	}
	tests := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"  Phường \t Ba\u00a0Đình \n", "Phường Ba Đình"},
		{nfd, "Nguyễn Thị Hoà"},
		{"a  b   c", "a b c"},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFoldTone(t *testing.T) {
	tests := []struct{ in, want string }{
		// Old ("hoà") placement folds to the canonical "hòa" placement.
		{"hoà", "hòa"},
		{"hòa", "hòa"},
		{"Hoà", "Hòa"},
		{"HOÀ", "HÒA"},
		{"thuỷ", "thủy"},
		{"Thuỷ", "Thủy"},
		{"khoẻ", "khỏe"},
		{"hoá", "hóa"},
		{"Thanh Hoá", "Thanh Hóa"},
		{"Khánh Hoà", "Khánh Hòa"},
		{"loà xoà", "lòa xòa"},
		{"hoạ", "họa"},
		{"tuý", "túy"},
		// Final consonant: the last vowel keeps the mark.
		{"hoàng", "hoàng"},
		{"hòang", "hoàng"},
		{"hoạch", "hoạch"},
		{"toán", "toán"},
		{"tóan", "toán"},
		{"huỳnh", "huỳnh"},
		{"hùynh", "huỳnh"},
		{"khoèn", "khoèn"},
		// qu and gi onsets.
		{"quý", "quý"},
		{"qúy", "quý"},
		{"quí", "quí"}, // spelling i/y is not folded
		{"quà", "quà"},
		{"qùa", "quà"},
		{"giá", "giá"},
		{"gía", "giá"},
		{"gì", "gì"},
		{"gìn", "gìn"},
		{"giữa", "giữa"},
		{"giừơng", "giường"},
		// Quality-marked vowels take the tone.
		{"người", "người"},
		{"ngừơi", "người"},
		{"mưa", "mưa"},
		{"mứa", "mứa"},
		{"muốn", "muốn"},
		{"mùôn", "muồn"},
		{"khuyến", "khuyến"},
		{"rượu", "rượu"},
		{"thuở", "thuở"},
		// Three plain vowels: the middle one.
		{"khoái", "khoái"},
		{"khóai", "khoái"},
		{"khoaí", "khoái"},
		{"khuỷu", "khuỷu"},
		{"ngoẹo", "ngoẹo"},
		// Two plain vowels, open syllable: the first one.
		{"mía", "mía"},
		{"miá", "mía"},
		{"taì", "tài"},
		{"tài", "tài"},
		{"Nguyễn", "Nguyễn"},
		{"Đặng Thị Thuỷ", "Đặng Thị Thủy"},
		{"ĐOÀN", "ĐOÀN"},
		// Non-Vietnamese text passes unchanged.
		{"", ""},
		{"hello world", "hello world"},
		{"café", "café"},
		{"naïve", "naïve"},
		{"Müller", "Müller"},
		{"Привет", "Привет"},
		{"東京", "東京"},
		{"strà", "strà"},
		{"hoàhoà", "hoàhoà"},
		{"P.12, Q. Gò Vấp", "P.12, Q. Gò Vấp"},
		{"a\u0300\u0301", norm.NFC.String("a\u0300\u0301")}, // two tones: left alone
		// White space and punctuation are kept.
		{" Hoà,  Thuỷ! ", " Hòa,  Thủy! "},
		{"123 hoà-thuỷ", "123 hòa-thủy"},
	}
	for _, tt := range tests {
		got := FoldTone(tt.in)
		if got != tt.want {
			t.Errorf("FoldTone(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if nfd := FoldTone(norm.NFD.String(tt.in)); nfd != tt.want {
			t.Errorf("FoldTone(NFD %q) = %q, want %q", tt.in, nfd, tt.want)
		}
	}
}

func TestFoldToneMarkOrder(t *testing.T) {
	// Tone typed before the quality mark (o + grave + circumflex) is not
	// canonically equivalent to ồ, but it is the same Vietnamese letter.
	if got := FoldTone("Nguyê\u0303n"); got != "Nguyễn" {
		t.Errorf("got %q", got)
	}
	if got := FoldTone("o\u0300\u0302ng"); got != "ồng" {
		t.Errorf("got %q, want ồng", got)
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"Hoà", "Hòa", true},
		{"Thuỷ", "Thủy", true},
		{"Khoẻ", "Khỏe", true},
		{"HOÀ", "hòa", true},
		{"Nguyễn Thị Hoà", norm.NFD.String("nguyễn thị hòa"), true},
		{"  Lê   Văn  Thuỷ ", "Lê Văn Thủy", true},
		{"Đặng", "đặng", true},
		{"ĐẶNG", "đặng", true},
		{"Đặng", "Dặng", false},
		{"quý", "quí", false},
		{"Nguyễn", "Nguyen", false},
		{"Hòa", "Hoa", false},
		{"Hòa", "Họa", false},
		{"Phường 12", "Phường 12", true},
		{"", "", true},
		{"", " ", true},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := Equal(tt.b, tt.a); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestSearchKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Đăng ký khai sinh", "dang ky khai sinh"},
		{norm.NFD.String("Đăng ký khai sinh"), "dang ky khai sinh"},
		{"  ĐOÀN   Thị\tThuỷ ", "doan thi thuy"},
		{"Phường Gò Vấp", "phuong go vap"},
		{"Người Ưu Ơn Ăn Ân Ê Ô", "nguoi uu on an an e o"},
		{"P.12", "p.12"},
		{"", ""},
		{"café", "cafe"},
	}
	for _, tt := range tests {
		if got := SearchKey(tt.in); got != tt.want {
			t.Errorf("SearchKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		s, q string
		want bool
	}{
		{"Đăng ký khai sinh", "khai sinh", true},
		{"Đăng ký khai sinh", "dang ky", true},
		{"Đăng ký khai sinh", "ĐĂNG  KÝ", true},
		{"Đăng ký khai sinh", "khai tử", false},
		{"Phường An Hội Tây", "hoi tay", true},
		{"anything", "", true},
	}
	for _, tt := range tests {
		if got := Contains(tt.s, tt.q); got != tt.want {
			t.Errorf("Contains(%q, %q) = %v, want %v", tt.s, tt.q, got, tt.want)
		}
	}
}

func TestDiffersOnlyInDiacritics(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"Nguyễn", "Nguyen", true},
		{"Nguyễn Văn Hòa", "Nguyen Van Hoa", true},
		{"Đặng", "Dặng", true},
		{"Hòa", "Họa", true},
		{"Hoà", "Hòa", false}, // only tone placement: Equal
		{"NGUYEN", "nguyen", false},
		{"Nguyễn", "Nguyễn", false},
		{"Nguyễn", "Nguyên A", false},
		{"Lan", "Lâm", false},
	}
	for _, tt := range tests {
		if got := DiffersOnlyInDiacritics(tt.a, tt.b); got != tt.want {
			t.Errorf("DiffersOnlyInDiacritics(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestCompareNames: a missing mark is forgiven only when a whole name
// carries none; two marked names that differ in a mark are two names.
func TestCompareNames(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want NameVerdict
	}{
		{"Nguyễn Thị Hoa", "Nguyễn Thị Hoa", NamesEqual},
		{"  NGUYỄN  thị hoa ", "Nguyễn Thị Hoa", NamesEqual},
		{norm.NFD.String("Nguyễn Thị Hoa"), "Nguyễn Thị Hoa", NamesEqual},
		{"Phạm Văn Hoà", "Phạm Văn Hòa", NamesTonePlacement},
		{"Lê Thị Thuỷ", "Lê Thị Thủy", NamesTonePlacement},
		{"Nguyen Thi Hoa", "Nguyễn Thị Hoà", NamesUnmarked},
		{"Nguyễn Thị Hoà", "NGUYEN THI HOA", NamesUnmarked},
		{"Dang Thi Mai", "Đặng Thị Mai", NamesUnmarked},
		{"Nguyễn Thị Hoa", "Nguyễn Thị Hoà", NamesDiffer}, // Hoa and Hoà are two names
		{"Lê Thị Thu", "Lê Thị Thư", NamesDiffer},
		{"Nguyễn Văn Hoa", "Nguyễn Văn Hòa", NamesDiffer},
		{"Nguyen Van Hoa", "Nguyễn Văn Hòa Bình", NamesDiffer},
		{"Dặng Thị Mai", "Đặng Thị Mai", NamesDiffer}, // marked, and Đ/D differ
		{"Trần Văn Hòa", "Nguyễn Văn Hòa", NamesDiffer},
	} {
		if got := CompareNames(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareNames(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareNames(tt.b, tt.a); got != tt.want {
			t.Errorf("CompareNames(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestSearchKeyFastMatchesSlow(t *testing.T) {
	for r := rune(0); r < tableHi+0x100; r++ {
		for _, s := range []string{string(r), "Ab " + string(r) + "\u0301 x", norm.NFD.String(string(r))} {
			if !utf8.ValidString(s) {
				continue
			}
			if fast, ok := searchKeyFast(s); ok && fast != searchKeySlow(s) {
				t.Errorf("U+%04X in %q: fast %q, slow %q", r, s, fast, searchKeySlow(s))
			}
		}
	}
}

func FuzzFoldTone(f *testing.F) {
	for _, s := range []string{
		"hoà", "Thuỷ", "KHOẺ", "quý", "giừơng", "Nguyễn Văn Hoà", "café", "a\u0300\u0301",
		"\u0300", "o\u0300\u0302", "\xff\xfe", "khuỷu tay", "ĐOÀN", "Привет",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := FoldTone(s)
		if !utf8.ValidString(got) {
			t.Fatalf("FoldTone(%q) = %q: invalid UTF-8", s, got)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("FoldTone(%q) = %q: not NFC", s, got)
		}
		if again := FoldTone(got); again != got {
			t.Fatalf("not idempotent: FoldTone(%q) = %q, FoldTone of that = %q", s, got, again)
		}
		if v := strings.ToValidUTF8(s, "\uFFFD"); SearchKey(s) != searchKeySlow(v) {
			t.Fatalf("SearchKey(%q) = %q, slow path %q", s, SearchKey(s), searchKeySlow(v))
		}
		if !Equal(s, got) {
			t.Fatalf("Equal(%q, FoldTone(%q)=%q) = false", s, s, got)
		}
	})
}

func BenchmarkFoldTone(b *testing.B) {
	for b.Loop() {
		FoldTone("Nguyễn Thị Thuỷ, Phường Hoà Khánh, Thành phố Đà Nẵng")
	}
}

func BenchmarkSearchKey(b *testing.B) {
	for b.Loop() {
		SearchKey("Nguyễn Thị Thuỷ, Phường Hoà Khánh, Thành phố Đà Nẵng")
	}
}
