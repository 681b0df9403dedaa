package vnime

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// typeCase is keys typed into an empty field and the text expected with the
// new (hòa) and the old (hoà) tone placement; old "" means the same as new.
type typeCase struct {
	keys, new, old string
}

func checkTyping(t *testing.T, m Method, cases []typeCase) {
	t.Helper()
	for _, c := range cases {
		old := c.old
		if old == "" {
			old = c.new
		}
		for _, s := range []struct {
			style Style
			want  string
		}{{NewStyle, c.new}, {OldStyle, old}} {
			got := Type(m, s.style, c.keys)
			if got != s.want {
				t.Errorf("%v %v: %q gives %q, want %q", m, s.style, c.keys, got, s.want)
			}
			if !norm.NFC.IsNormalString(got) {
				t.Errorf("%v %v: %q gives %q, not NFC", m, s.style, c.keys, got)
			}
		}
	}
}

// Names, places and words as clerks type them in Telex.
func TestTelexNames(t *testing.T) {
	checkTyping(t, Telex, []typeCase{
		{"Nguyeenx Thij Hoaf", "Nguyễn Thị Hòa", "Nguyễn Thị Hoà"},
		{"Nguyeenx Vawn An", "Nguyễn Văn An", ""},
		{"Traafn Thij Bichs Ngocj", "Trần Thị Bích Ngọc", ""},
		{"Traanf Thij Bichs Ngocj", "Trần Thị Bích Ngọc", ""},
		{"Lee Hoangf Phucs", "Lê Hoàng Phúc", ""},
		{"Phamj Minh Tuaans", "Phạm Minh Tuấn", ""},
		{"Hoangf Thij Thu Thuyr", "Hoàng Thị Thu Thủy", "Hoàng Thị Thu Thuỷ"},
		{"Vux DDuwcs Thawngs", "Vũ Đức Thắng", ""},
		{"DDawngj Quoocs Huy", "Đặng Quốc Huy", ""},
		{"Buif Thij Xuaan", "Bùi Thị Xuân", ""},
		{"DDoox Vawn Khoer", "Đỗ Văn Khỏe", "Đỗ Văn Khoẻ"},
		{"Hoof Ngocj Haf", "Hồ Ngọc Hà", ""},
		{"Ngoo Thij Hoaf", "Ngô Thị Hòa", "Ngô Thị Hoà"},
		{"Duwowng Vawn Quyeets", "Dương Văn Quyết", ""},
		{"Lys Thij Ngoan", "Lý Thị Ngoan", ""},
		{"DDinh Coong Trangs", "Đinh Công Tráng", ""},
		{"Trinhj Thij Thuyr", "Trịnh Thị Thủy", "Trịnh Thị Thuỷ"},
		{"Luwowng Thees Vinh", "Lương Thế Vinh", ""},
		{"Taj Quang Buwur", "Tạ Quang Bửu", ""},
		{"Vox Thij Sasu", "Võ Thị Sáu", ""},
		{"Huynhf Taans Phats", "Huỳnh Tấn Phát", ""},
		{"Phan Booij Chaau", "Phan Bội Châu", ""},
		{"Nguyeenx Thij Minh Khai", "Nguyễn Thị Minh Khai", ""},
		{"Lee Vawn Thuwr", "Lê Văn Thử", ""},
		{"Truwowng Myx Lan", "Trương Mỹ Lan", ""},
		{"Chaau Ngocj Hoaf", "Châu Ngọc Hòa", "Châu Ngọc Hoà"},
		{"Quachs Thij Loan", "Quách Thị Loan", ""},
		{"Khoongr Minh Nguyeetj", "Khổng Minh Nguyệt", ""},
		{"Thasi Thij Huwowngf", "Thái Thị Hường", ""},
		{"Laam Vawn Khuee", "Lâm Văn Khuê", ""},
		{"Giang Thij Thuys", "Giang Thị Thúy", "Giang Thị Thuý"},
		{"Kieeuf Oanh", "Kiều Oanh", ""},
		{"DDoanf Thij DDieemr", "Đoàn Thị Điểm", ""},
		{"Doanx Quoocs Khanhs", "Doãn Quốc Khánh", ""},
		{"Wng Hoangf Phucs", "Ưng Hoàng Phúc", ""},
		{"Oong Ichs Khieem", "Ông Ích Khiêm", ""},
		{"Aau Duwowng Laan", "Âu Dương Lân", ""},
		{"Nghieem Xuaan Yeem", "Nghiêm Xuân Yêm", ""},
		{"Mai Anh Tuaans", "Mai Anh Tuấn", ""},
		{"Tooj Thij Khuyeen", "Tộ Thị Khuyên", ""},
		{"Hafn Thij Loan", "Hàn Thị Loan", ""},
		{"Toon Nuwx Thuyf Trang", "Tôn Nữ Thùy Trang", "Tôn Nữ Thuỳ Trang"},
		{"Nguyeenx Thij Hoaf Bifnh", "Nguyễn Thị Hòa Bình", "Nguyễn Thị Hoà Bình"},
		{"Phuf DDoongr", "Phù Đổng", ""},
		// Places.
		{"Phuwowngf Ba DDinhf, Haf Nooij", "Phường Ba Đình, Hà Nội", ""},
		{"Quaanj Hoanf Kieems", "Quận Hoàn Kiếm", ""},
		{"Thanhf phoos Hoof Chis Minh", "Thành phố Hồ Chí Minh", ""},
		{"Thuwaf Thieen Huees", "Thừa Thiên Huế", ""},
		{"Baf Rija-Vuxng Tafu", "Bà Rịa-Vũng Tàu", ""},
		{"Khanhs Hoaf", "Khánh Hòa", "Khánh Hoà"},
		{"Thanh Hoas", "Thanh Hóa", "Thanh Hoá"},
		{"Quarng Ngaix", "Quảng Ngãi", ""},
		{"Caafn Thow", "Cần Thơ", ""},
		{"DDawks Lawks, Kroong Buks", "Đắk Lắk, Krông Búk", ""},
		{"Ngheej An, Huwng Yeen", "Nghệ An, Hưng Yên", ""},
		{"Quynhf Luwu", "Quỳnh Lưu", ""},
		{"Thuyr Nguyeen", "Thủy Nguyên", "Thuỷ Nguyên"},
		{"xax Yeen Thuyr", "xã Yên Thủy", "xã Yên Thuỷ"},
		{"Soos 12, ngox 5, phoos Hangf Bacj", "Số 12, ngõ 5, phố Hàng Bạc", ""},
		{"Tinhr Quarng Trij", "Tỉnh Quảng Trị", ""},
		// Words of the forms.
		{"Giaays khai sinh", "Giấy khai sinh", ""},
		{"ddawng kys keets hoon", "đăng ký kết hôn", ""},
		{"Xacs nhaanj tifnh trangj hoon nhaan", "Xác nhận tình trạng hôn nhân", ""},
		{"Quan heej vowis nguwowif dduwowcj khai sinh", "Quan hệ với người được khai sinh", ""},
		{"Cha, Mej, Vowj, Choongf, Con", "Cha, Mẹ, Vợ, Chồng, Con", ""},
		{"Noiw cuw trus", "Nơi cư trú", ""},
		{"giuwx gifn, giuwowngf, gieets, gioongs", "giữ gìn, giường, giết, giống", ""},
		{"khuyru, ngoeo, ngueechj ngoacj", "khuỷu, ngoeo, nguệch ngoạc", ""},
		{"thuowr nhor, huow tay, quowr", "thuở nhỏ, huơ tay, quở", ""},
		{"hoawcj, loawts choawts, xoawn", "hoặc, loắt choắt, xoăn", ""},
		{"quawn, quawngs, quyeenf, quyf, quas", "quăn, quắng, quyền, quỳ, quá", ""},
		{"mwa, muaw, mua, cuwus, huwu", "mưa, mưa, mua, cứu, hưu", ""},
		{"ruwowuj, huwowu, tuwowi", "rượu, hươu, tươi", ""},
		{"xoong, xooong, boong", "xông, xoong, bông", ""},
		{"thuys, hoaj, khoer, xoef, tuyj", "thúy, họa, khỏe, xòe, tụy", "thuý, hoạ, khoẻ, xoè, tuỵ"},
		{"hoafn, toans, huyf", "hoàn, toán, hùy", "hoàn, toán, huỳ"},
	})
}

// Each Telex rule on its own.
func TestTelexRules(t *testing.T) {
	checkTyping(t, Telex, []typeCase{
		// Quality marks.
		{"aa aw ee oo ow uw dd", "â ă ê ô ơ ư đ", ""},
		{"w", "ư", ""}, // a lone w
		{"tw nhw ngw trw giw", "tư như ngư trư giư", ""}, // after an onset
		{"uow huow huowng", "uơ huơ hương", ""},          // uo + w: ươ once a letter follows
		{"uwow huwowng", "ươ hương", ""},                 // both hooks typed
		{"huwong dduwocj", "hương được", ""},             // ư then o: the o takes the horn
		{"quow", "quơ", ""},                              // qu: the u is the onset's
		{"oaw uaw quaw", "oă ưa quă", ""},
		{"tana tienge", "tân tiêng", ""}, // a mark key after the final
		{"awa", "â", ""},                 // circumflex over breve
		// Tones, on any vowel, moved as the word grows.
		{"as af ar ax aj", "á à ả ã ạ", ""},
		{"asf afr", "à ả", ""}, // another tone replaces
		{"toans tosan", "toán toán", ""},
		{"hoaf hoafn hoafi", "hòa hoàn hoài", "hoà hoàn hoài"},
		{"thuyr thuyrn thuyeenr", "thủy thuỷn thuyển", "thuỷ thuỷn thuyển"},
		{"gias gis gisn", "giá gí gín", ""},
		{"quas quys quyeets", "quá quý quyết", ""},
		{"muas mias", "múa mía", ""},
		{"nguowif nguwowif", "người người", ""},
		{"uoongs", "uống", ""},
		{"tuyeets", "tuyết", ""},
		// z removes the tone.
		{"toansz asz", "toan a", ""},
		// A repeated key undoes its mark and types the letter.
		{"ass aff arr axx ajj", "as af ar ax aj", ""},
		{"aaa eee ooo", "aa ee oo", ""},
		{"aww oww uww", "aw ow uw", ""},
		{"ww", "w", ""},
		{"ddd", "dd", ""},
		{"uowng uowwng", "ương uowng", ""},
		{"Vieejjs", "Viêjs", ""}, // after an undo the word is taken as typed
		// Tones that cannot go with the final are letters.
		{"tacf tafc", "tacf tafc", ""},
		// Only a d right after the d makes đ: "did" stays English.
		{"ddi did", "đi did", ""},
	})
}

// Capitals: the case of a letter comes from its own key, shift or caps lock.
func TestTelexCapitals(t *testing.T) {
	checkTyping(t, Telex, []typeCase{
		{"DD Dd dD", "Đ Đ đ", ""},
		{"AA Aa aA", "Â Â â", ""},
		{"AW Aw UW Uw OW", "Ă Ă Ư Ư Ơ", ""},
		{"W Ww WW", "Ư W W", ""},
		{"NGUYEENX THIJ HOAF", "NGUYỄN THỊ HÒA", "NGUYỄN THỊ HOÀ"},
		{"nGUYEEnX", "nGUYỄn", ""},
		{"VIEETJ NAM", "VIỆT NAM", ""},
		{"DDUWOWNGF", "ĐƯỜNG", ""},
		{"AAA ASS DDD", "AA AS DD", ""},
		{"HUOW", "HUƠ", ""},
	})
}

// Words that cannot be Vietnamese are left as typed.
func TestNotVietnamese(t *testing.T) {
	checkTyping(t, Telex, []typeCase{
		{"user admin email hello", "user admin email hello", ""},
		{"Windows Google Facebook Zalo", "Windows Google Facebook Zalo", ""},
		{"cafe class print", "cafe class print", ""},
		{"banana usage", "banana usage", ""},
		{"user@example.com", "user@example.com", ""},
		{"thas@gmail.com", "thas@gmail.com", ""}, // "thá" given back at the @
		{"nguyen.van.as@gmail.com", "nguyen.van.as@gmail.com", ""},
		{"hoaf_binhf", "hoaf_binhf", ""},
		// A tone letter doubled right after the tone undoes it, as in Unikey:
		// type it once more for the English spelling.
		{"pass passs coffee cofffee", "pas pass cofee coffee", ""},
		{"abc123 Q1 P12", "abc123 Q1 P12", ""},
	})
	// After the e-mail address the next word is typed again.
	checkTyping(t, Telex, []typeCase{{"a@b.vn Hoaf", "a@b.vn Hòa", "a@b.vn Hoà"}})
}

// VNI digits.
func TestVNI(t *testing.T) {
	checkTyping(t, VNI, []typeCase{
		{"Nguye6n4 Thi5 Hoa2", "Nguyễn Thị Hòa", "Nguyễn Thị Hoà"},
		{"Nguyen64 Thi5 Hoa2", "Nguyễn Thị Hòa", "Nguyễn Thị Hoà"},
		{"a1 a2 a3 a4 a5", "á à ả ã ạ", ""},
		{"a6 a8 e6 o6 o7 u7 d9", "â ă ê ô ơ ư đ", ""},
		{"d9u7o7ng2 duong972 dduong", "đường đường dduong", ""},
		{"uo7 huo7 huo7ng", "uơ huơ hương", ""},
		{"toan1 toan10", "toán toan", ""},
		{"Phu7o7ng2 Ba D9inh2", "Phường Ba Đình", ""},
		{"Thuy3 Kho3e", "Thủy Khỏe", "Thuỷ Khoẻ"},
		{"qua1 quy1 quye6t1 quo6c1", "quá quý quyết quốc", ""},
		// The same digit again undoes the mark and types the digit.
		{"a11 a66 a88 u77 d99", "a1 a6 a8 u7 d9", ""},
		// Digits with nothing to do are digits.
		{"2024 Q1 b6 a0 12/3", "2024 Q1 b6 a0 12/3", ""},
		{"D9A8K1 LA8K1", "ĐẮK LẮK", ""},
		// VNI leaves Telex keys alone.
		{"aa dd uw ass", "aa dd uw ass", ""},
	})
}

// Backspace deletes one letter and the word goes on from what is left.
func TestBackspace(t *testing.T) {
	checkTyping(t, Telex, []typeCase{
		{"Nguyeenx\bn", "Nguyễn", ""},
		{"hoafn\b", "hoà", ""},     // the text stays as it was
		{"hoafn\bs", "hóa", "hoá"}, // the next key places the tone
		{"hoafn\bi", "hoài", ""},
		{"thuwowng\b\bf", "thuờ", ""},
		{"thuwowng\b\br", "thuở", ""},
		{"ass\bs", "á", ""}, // Backspace over the undone letter
		{"ass\b\bs", "s", ""},
		{"user\be", "usee", ""},
		{"xin chaof\b\b\b\b\bf", "xìn", ""}, // back over the space into the word
		{"Hoaf \b\bf", "Hof", "Hò"},
		{"aaa\ba", "â", ""},
		{"ddd\bd", "đ", ""},
	})
}

// Keys an input method already composed go in as they are, and the word they
// are in is never transformed.
func TestComposedInput(t *testing.T) {
	checkTyping(t, Telex, []typeCase{
		// Unikey: a, then backspace and á for s.
		{"ta\bá", "tá", ""},
		// Unikey's undo (as): backspace, a, s: not transformed again.
		{"a\bá\bas", "as", ""},
		// tieengs: Unikey sends t i e, backspace ê, n g, 3 backspaces and ếng.
		{"tie\bêng\b\b\bếng", "tiếng", ""},
		{"ddi\b\bđi", "đi", ""},
		{"Nguyễn Thị Hòa", "Nguyễn Thị Hòa", ""},
		{"Nguyễns", "Nguyễns", ""},
		// Composed Unicode (Unikey "Unicode tổ hợp"): marks after the letter.
		{"Vie\u0302\u0323t", "Việt", ""},
		{"a\u0301s", "ás", ""},
		// An input method that commits whole words.
		{"Hòa Bình as", "Hòa Bình á", ""},
	})
}

// The text before the cursor decides: letters the engine did not type are
// left alone.
func TestSync(t *testing.T) {
	for _, c := range []struct {
		before, keys, want string
	}{
		{"Nguyễn Văn", "f", "Nguyễn Vănf"},
		{"Nguyen", "x", "Nguyenx"},
		{"Nguyen ", "Hoaf", "Nguyen Hòa"},
		{"Lê,", "Hoaf", "Lê,Hòa"},
		{"a@b.", "as", "a@b.as"},
		{"x_", "as", "x_as"},
		{"a@b ", "as", "a@b á"},
		{"", "as", "á"},
	} {
		e := New(Telex, NewStyle)
		text := []rune(c.before)
		for _, r := range c.keys {
			e.Sync(string(text))
			text, _ = Apply(text, len(text), e.Key(r))
		}
		if string(text) != c.want {
			t.Errorf("%q then %q gives %q, want %q", c.before, c.keys, string(text), c.want)
		}
	}
	// The cursor moved into the middle of a word: the word is left alone, and
	// the engine goes back to it at the end.
	e := New(Telex, NewStyle)
	text := []rune("Hoa Binh")
	cur := 3
	for _, r := range "f" {
		e.Sync(string(text[:cur]))
		text, cur = Apply(text, cur, e.Key(r))
	}
	if got := string(text); got != "Hoaf Binh" {
		t.Errorf("typing f after Hoa in %q gives %q, want %q", "Hoa Binh", got, "Hoaf Binh")
	}
}

// The edits are relative to the cursor and as small as the change.
func TestEdits(t *testing.T) {
	type step struct {
		key rune
		ed  Edit
	}
	for _, c := range []struct {
		style Style
		steps []step
	}{
		{NewStyle, []step{{'h', Edit{0, "h"}}, {'o', Edit{0, "o"}}, {'a', Edit{0, "a"}}, {'f', Edit{2, "òa"}}, {'n', Edit{2, "oàn"}}, {' ', Edit{0, " "}}}},
		{OldStyle, []step{{'h', Edit{0, "h"}}, {'o', Edit{0, "o"}}, {'a', Edit{0, "a"}}, {'f', Edit{1, "à"}}, {'n', Edit{0, "n"}}}},
		{NewStyle, []step{{'u', Edit{0, "u"}}, {'s', Edit{1, "ú"}}, {'e', Edit{0, "e"}}, {'r', Edit{2, "user"}}}},
		{NewStyle, []step{{'a', Edit{0, "a"}}, {'s', Edit{1, "á"}}, {'@', Edit{1, "as@"}}}},
	} {
		e := New(Telex, c.style)
		for i, s := range c.steps {
			if got := e.Key(s.key); got != s.ed {
				t.Errorf("%v step %d (%q): %+v, want %+v", c.style, i, s.key, got, s.ed)
			}
		}
	}
}

// Cancel takes the last key back, and only that.
func TestCancel(t *testing.T) {
	e := New(Telex, NewStyle)
	for _, r := range "hoa" {
		e.Key(r)
	}
	e.Key('f')
	e.Cancel()
	if e.Word() != "hoa" {
		t.Fatalf("after Cancel: %q", e.Word())
	}
	e.Cancel() // nothing more to take back
	if ed := e.Key('n'); ed != (Edit{0, "n"}) || e.Word() != "hoan" {
		t.Errorf("n after Cancel: %+v, word %q", ed, e.Word())
	}
	e.Key('@')
	e.Cancel()
	if ed := e.Key('s'); ed != (Edit{2, "án"}) {
		t.Errorf("s after a cancelled @: %+v", ed)
	}
	e.Backspace()
	e.Cancel() // Backspace came after the key: nothing to take back
	if e.Word() != "hoá" {
		t.Errorf("Cancel after Backspace: %q", e.Word())
	}
}

func TestSettings(t *testing.T) {
	e := New(Telex, NewStyle)
	e.Key('h')
	e.Key('o')
	e.Key('a')
	e.SetStyle(OldStyle)
	if ed := e.Key('f'); ed != (Edit{1, "à"}) {
		t.Errorf("old style after SetStyle: %+v", ed)
	}
	if e.Word() != "hoà" || e.Style() != OldStyle {
		t.Errorf("Word %q, Style %v", e.Word(), e.Style())
	}
	e.SetMethod(VNI)
	if e.Word() != "" || e.Method() != VNI {
		t.Errorf("SetMethod kept the word %q or method %v", e.Word(), e.Method())
	}
	if Telex.String() != "Telex" || VNI.String() != "VNI" || NewStyle.String() != "hòa" || OldStyle.String() != "hoà" {
		t.Error("names")
	}
}

// Every word of the spell check's syllables, typed in Telex the way the
// engine would type it back, comes out as itself in both styles' letters.
func TestEverySyllableTypes(t *testing.T) {
	n := 0
	for base, pats := range spell() {
		for _, p := range pats {
			var w word
			for i := range len(base) {
				w.ls = append(w.ls, letter{c: base[i], mark: p[i]})
			}
			start, end := split(w.ls)
			if start == end || strings.Contains(base, "oo") || !complete(base, p) {
				// oo is typed ooo (oo is ô): keysOf does not know.
				continue
			}
			for _, tone := range []uint8{toneNone, toneAcute, toneDot} {
				w.tone = tone
				if !w.valid() {
					continue
				}
				e := New(Telex, NewStyle)
				e.w = w
				keys := string(e.keysOf(nil))
				want := string(w.render(nil, NewStyle))
				if got := Type(Telex, NewStyle, keys); got != want && !strings.Contains(want, "ươ") {
					t.Errorf("%q gives %q, want %q", keys, got, want)
				}
				n++
			}
		}
	}
	if n < 5000 {
		t.Errorf("only %d syllables", n)
	}
}

// complete reports whether base with marks p is a whole syllable of the
// lists (not only the beginning of one).
func complete(base string, p string) bool {
	var sb strings.Builder
	for i := range len(base) {
		sb.WriteRune(composeRune(glyph{c: base[i], mark: p[i]}))
	}
	s := sb.String()
	for _, o := range append([]string{""}, onsetList...) {
		r, ok := strings.CutPrefix(s, o)
		if !ok {
			continue
		}
		for _, x := range rhymeList {
			if x == r {
				return true
			}
		}
	}
	return false
}
