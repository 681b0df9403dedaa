package units

import (
	"slices"
	"testing"

	"motcua/lookups/vntext"
)

const (
	wantProvinces = 34
	wantWards     = 3321
	// Distinct old wards in the 10,977 mapping rows: 5 rows have no old ward,
	// rows of one old ward (same names, compared with vntext.Equal) are merged.
	wantOldWards = 10803
	wantSplit    = 25
)

func TestCounts(t *testing.T) {
	if n := len(Provinces()); n != wantProvinces {
		t.Errorf("Provinces: %d, want %d", n, wantProvinces)
	}
	if n := len(Wards()); n != wantWards {
		t.Errorf("Wards: %d, want %d", n, wantWards)
	}
	if n := len(OldWards()); n != wantOldWards {
		t.Errorf("OldWards: %d, want %d", n, wantOldWards)
	}
	if n := len(SplitOldWards()); n != wantSplit {
		t.Errorf("SplitOldWards: %d, want %d", n, wantSplit)
	}
}

func TestProvincesAndWards(t *testing.T) {
	ps := Provinces()
	if !slices.IsSortedFunc(ps, func(a, b Province) int { return cmpStr(a.Code, b.Code) }) {
		t.Error("provinces not ordered by code")
	}
	if p, ok := ProvinceByCode("79"); !ok || p.Name != "Thành phố Hồ Chí Minh" {
		t.Errorf("ProvinceByCode(79) = %+v, %v", p, ok)
	}
	if p, ok := ProvinceByCode("01"); !ok || p.Name != "Thành phố Hà Nội" {
		t.Errorf("ProvinceByCode(01) = %+v, %v", p, ok)
	}
	if _, ok := ProvinceByCode("99"); ok {
		t.Error("ProvinceByCode(99) found")
	}
	ws := Wards()
	if !slices.IsSortedFunc(ws, func(a, b Ward) int { return cmpStr(a.Code, b.Code) }) {
		t.Error("wards not ordered by code")
	}
	sum := 0
	for _, p := range ps {
		of := WardsOf(p.Code)
		if len(of) == 0 {
			t.Errorf("province %s has no wards", p.Code)
		}
		for _, w := range of {
			if w.ProvinceCode != p.Code {
				t.Errorf("WardsOf(%s) has %+v", p.Code, w)
			}
		}
		sum += len(of)
	}
	if sum != wantWards {
		t.Errorf("WardsOf sums to %d, want %d", sum, wantWards)
	}
	for _, w := range ws {
		if _, ok := ProvinceByCode(w.ProvinceCode); !ok {
			t.Errorf("ward %+v: province missing", w)
		}
		if len(w.Code) != 5 || !vntext.Equal(w.Name, vntext.NFC(w.Name)) || w.Name != vntext.Clean(w.Name) {
			t.Errorf("ward %+v: bad code or name not clean NFC", w)
		}
	}
	if w, ok := WardByCode("26882"); !ok || w.Name != "Phường An Hội Tây" || w.ProvinceCode != "79" {
		t.Errorf("WardByCode(26882) = %+v, %v", w, ok)
	}
	if w, ok := WardByCode("00004"); !ok || w.Name != "Phường Ba Đình" {
		t.Errorf("WardByCode(00004) = %+v, %v", w, ok)
	}
	if _, ok := WardByCode("26881"); ok { // an old code, not a current ward
		t.Error("WardByCode(26881) found")
	}
	if WardsOf("99") != nil {
		t.Error("WardsOf(99) not nil")
	}
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestResultsAreCopies(t *testing.T) {
	Provinces()[0].Name = "x"
	Wards()[0].Name = "x"
	WardsOf("01")[0].Name = "x"
	o, _ := ResolveOld("Phường 12", "Quận Gò Vấp", "Thành phố Hồ Chí Minh")
	o.NewCodes[0] = "x"
	SplitOldWards()[0].NewCodes[0] = "x"
	if p, _ := ProvinceByCode("01"); Provinces()[0].Name == "x" || p.Name == "x" || Wards()[0].Name == "x" || WardsOf("01")[0].Name == "x" {
		t.Error("caller changed shared data")
	}
	if o, _ := ResolveOld("Phường 12", "Quận Gò Vấp", "Thành phố Hồ Chí Minh"); o.NewCodes[0] != "26882" {
		t.Error("caller changed shared NewCodes")
	}
	if SplitOldWards()[0].NewCodes[0] == "x" {
		t.Error("caller changed shared NewCodes of split wards")
	}
}

func TestOldWardsValid(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range OldWards() {
		if o.Name == "" || o.District == "" || o.Province == "" || len(o.NewCodes) == 0 {
			t.Fatalf("incomplete old ward %+v", o)
		}
		if o.Code != "" {
			if seen[o.Code] {
				t.Errorf("old code %s twice", o.Code)
			}
			seen[o.Code] = true
		}
		if !slices.IsSorted(o.NewCodes) {
			t.Errorf("%+v: new codes not sorted", o)
		}
		for _, c := range o.NewCodes {
			if _, ok := WardByCode(c); !ok {
				t.Errorf("%+v: new code %s is not a ward", o, c)
			}
		}
	}
	// Every current ward but one has old wards (Đặc khu Bạch Long Vĩ-style
	// islands without old wards are the exception).
	none := 0
	for _, w := range Wards() {
		if len(OldWardsOf(w.Code)) == 0 {
			none++
		}
	}
	if none > 13 {
		t.Errorf("%d current wards without old wards", none)
	}
}

func TestKnownRows(t *testing.T) {
	o, ok := ResolveOld("Phường 12", "Quận Gò Vấp", "Thành phố Hồ Chí Minh")
	if !ok {
		t.Fatal("Phường 12, Quận Gò Vấp not found")
	}
	want := OldWard{Code: "26881", Name: "Phường 12", District: "Quận Gò Vấp", Province: "Thành phố Hồ Chí Minh", NewCodes: []string{"26882"}}
	if !oldEqual(o, want) {
		t.Errorf("got %+v, want %+v", o, want)
	}
	var names []string
	for _, o := range OldWardsOf("26882") {
		if o.District != "Quận Gò Vấp" {
			t.Errorf("OldWardsOf(26882) has %+v", o)
		}
		names = append(names, o.Name)
	}
	for _, n := range []string{"Phường 12", "Phường 13"} {
		if !slices.Contains(names, n) {
			t.Errorf("OldWardsOf(26882) = %v, lacks %s", names, n)
		}
	}
	if OldWardsOf("99999") != nil {
		t.Error("OldWardsOf(99999) not nil")
	}
}

func oldEqual(a, b OldWard) bool {
	return a.Code == b.Code && a.Name == b.Name && a.District == b.District && a.Province == b.Province &&
		slices.Equal(a.NewCodes, b.NewCodes)
}

func TestSplitWards(t *testing.T) {
	tests := []struct {
		ward, district, province string
		want                     []string
	}{
		// Phường 13 (Gò Vấp) went partly to An Hội Tây, partly to An Hội Đông.
		{"Phường 13", "Quận Gò Vấp", "Thành phố Hồ Chí Minh", []string{"26878", "26882"}},
		// Source spells it "Hoà"; the current ward is spelled "Hòa".
		{"Phường Hòa Minh", "Quận Liên Chiểu", "Thành phố Đà Nẵng", []string{"20200", "20209"}},
		{"Phường Yên Hòa", "Quận Cầu Giấy", "Thành phố Hà Nội", []string{"00160", "00175"}},
		{"Thị trấn Nông trường Mộc Châu", "Thị xã Mộc Châu", "Tỉnh Sơn La", []string{"03980", "03982", "04000", "04033"}},
	}
	for _, tt := range tests {
		o, ok := ResolveOld(tt.ward, tt.district, tt.province)
		if !ok || !slices.Equal(o.NewCodes, tt.want) {
			t.Errorf("ResolveOld(%q, %q, %q) = %v, %v; want %v", tt.ward, tt.district, tt.province, o.NewCodes, ok, tt.want)
		}
		found := false
		for _, s := range SplitOldWards() {
			found = found || oldEqual(s, o)
		}
		if !found {
			t.Errorf("%s not in SplitOldWards", tt.ward)
		}
		for _, c := range tt.want {
			if !slices.ContainsFunc(OldWardsOf(c), func(x OldWard) bool { return oldEqual(x, o) }) {
				t.Errorf("OldWardsOf(%s) lacks %s", c, tt.ward)
			}
		}
	}
	for _, s := range SplitOldWards() {
		if len(s.NewCodes) < 2 {
			t.Errorf("SplitOldWards has %+v", s)
		}
	}
}

func TestResolveOldTolerant(t *testing.T) {
	const govap = "26881"
	tests := []struct {
		ward, district, province string
		code                     string // "" = not found
		name                     string // checked when code is ""
	}{
		{"Phường 12", "Quận Gò Vấp", "Thành phố Hồ Chí Minh", govap, ""},
		{"P.12", "Q. Gò Vấp", "TP. Hồ Chí Minh", govap, ""},
		{"P 12", "Q Gò Vấp", "TP HCM", govap, ""},
		{"p12", "go vap", "tphcm", govap, ""},
		{"F12", "Gò Vấp", "Sài Gòn", govap, ""},
		{"PHƯỜNG 12", "QUẬN GÒ VẤP", "THÀNH PHỐ HỒ CHÍ MINH", govap, ""},
		{"phuong 12", "quan go vap", "thanh pho ho chi minh", govap, ""},
		{"Phường 012", "Gò Vấp", "", govap, ""},
		{"  Phường   12 ", "Quận Gò Vấp", "Hồ Chí Minh", govap, ""},
		{"Phường 12", "Gò Vấp", "", govap, ""},
		{"Phường 12", "Huyện Gò Vấp", "TP HCM", govap, ""}, // wrong type, still unique
		// Tone placement: the source spells "Phường Yên Hoà", Tuy Hoà.
		{"Phường Yên Hòa", "Cầu Giấy", "Hà Nội", "00172", ""},
		{"Phường Yên Hoà", "Q. Cầu Giấy", "TP Hà Nội", "00172", ""},
		{"phuong yen hoa", "cau giay", "ha noi", "00172", ""},
		{"Phường 9", "Thành phố Tuy Hòa", "Tỉnh Phú Yên", "22024", ""},
		{"Phường 9", "TP. Tuy Hoà", "Phú Yên", "22024", ""},
		{"Xã Ia Rvê", "Huyện Ea Súp", "Tỉnh Đắk Lắk", "24221", ""},
		{"Xa Ia Rve", "H. Ea Sup", "T. Dak Lak", "24221", ""},
		{"Phường 1", "Quận 3", "Thành phố Hồ Chí Minh", "", "Phường 1"},
		{"TT Nông trường Mộc Châu", "TX Mộc Châu", "Sơn La", "", "Thị trấn Nông trường Mộc Châu"},
		{"Xã Tân Hòa", "Huyện Bến Lức", "Tỉnh Long An", "", "Xã Tân Hòa"},
		{"NFD Phường Yên Hòa", "", "", "-", ""},
	}
	for _, tt := range tests {
		o, ok := ResolveOld(tt.ward, tt.district, tt.province)
		switch {
		case tt.code == "-":
			if ok {
				t.Errorf("ResolveOld(%q, %q, %q) = %+v, want not found", tt.ward, tt.district, tt.province, o)
			}
		case !ok:
			t.Errorf("ResolveOld(%q, %q, %q) not found", tt.ward, tt.district, tt.province)
		case tt.code != "" && o.Code != tt.code:
			t.Errorf("ResolveOld(%q, %q, %q) = %+v, want code %s", tt.ward, tt.district, tt.province, o, tt.code)
		case tt.code == "" && o.Name != tt.name:
			t.Errorf("ResolveOld(%q, %q, %q) = %+v, want %s", tt.ward, tt.district, tt.province, o, tt.name)
		}
	}
}

func TestResolveOldNFD(t *testing.T) {
	o, ok := ResolveOld(nfd("Phường Yên Hòa"), nfd("Quận Cầu Giấy"), nfd("Thành phố Hà Nội"))
	if !ok || o.Code != "00172" {
		t.Errorf("NFD input: %+v, %v", o, ok)
	}
}

func TestResolveOldRejects(t *testing.T) {
	tests := [][3]string{
		{"", "Quận Gò Vấp", "Thành phố Hồ Chí Minh"},
		{"Phường 1", "", ""},                             // dozens of Phường 1
		{"Phường 12", "", ""},                            // ambiguous too
		{"Phường 12", "Quận Gò Vấp", "Thành phố Hà Nội"}, // wrong province
		{"Phường 99", "Quận Gò Vấp", "Thành phố Hồ Chí Minh"},
		{"Phường An Hội Tây", "", "Thành phố Hồ Chí Minh"}, // a current ward, not an old one
		{"Phường", "Quận", "Tỉnh"},
	}
	for _, tt := range tests {
		if o, ok := ResolveOld(tt[0], tt[1], tt[2]); ok {
			t.Errorf("ResolveOld(%q, %q, %q) = %+v, want not found", tt[0], tt[1], tt[2], o)
		}
	}
}

func TestSearchWards(t *testing.T) {
	codes := func(ws []Ward) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Code)
		}
		return out
	}
	tests := []struct {
		query string
		first []string // expected leading codes, in order
		min   int
	}{
		{"Phường Ba Đình", []string{"00004"}, 1},
		// "Xã Ba Dinh" is spelled exactly so; the others differ in diacritics.
		{"ba dinh", []string{"21499", "00004", "16171"}, 3},
		{"Ba Đình", []string{"00004", "16171", "21499"}, 3},
		{"P. Ba Đình", []string{"00004"}, 1},
		{"an hoi tay", []string{"26882"}, 1},
		// Equal name first, then names starting with it, then the rest.
		{"AN HỘI", []string{"28777", "26878", "26882", "27496", "31540"}, 5},
		{"Đặc khu Côn Đảo", []string{"26732"}, 1},
	}
	for _, tt := range tests {
		got := SearchWards(tt.query)
		if len(got) < tt.min || !slices.Equal(codes(got)[:len(tt.first)], tt.first) {
			t.Errorf("SearchWards(%q) = %v, want first %v", tt.query, codes(got), tt.first)
		}
		for _, w := range got {
			if !vntext.Contains(w.Name, tt.query) && !vntext.Contains(w.Name, tt.query[len(tt.query)/2:]) {
				t.Errorf("SearchWards(%q) has %+v", tt.query, w)
			}
		}
	}
	// A typed query keeps to its type.
	for _, w := range SearchWards("Xã Ba Đình") {
		if w.Code == "00004" {
			t.Error("Xã Ba Đình matched Phường Ba Đình")
		}
	}
	if got := SearchWards(""); got != nil {
		t.Errorf("empty query: %v", got)
	}
	if got := SearchWards("khong co phuong nay"); len(got) != 0 {
		t.Errorf("nonsense query: %v", codes(got))
	}
}

func TestParseRejectsBadData(t *testing.T) {
	for _, src := range []string{
		"X\t1\n",
		"P\t01\n",
		"W\t00001\tPhường A\t01\n",
		"P\t01\tA\nW\t00001\tPhường A\t01\nD\tQuận B\tA\nO\t1\tPhường C\t5\t00001\n",
		"P\t01\tA\nW\t00001\tPhường A\t01\nD\tQuận B\tA\nO\t1\tPhường C\t0\t00002\n",
		"P\t01\tA\nW\t00002\tPhường A\t01\nW\t00001\tPhường B\t01\n",
	} {
		if _, err := parse(src); err == nil {
			t.Errorf("parse(%q): no error", src)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := parse(unitsTSV); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolverIndex(b *testing.B) {
	load()
	for b.Loop() {
		resolverBuild()
	}
}

func BenchmarkResolveOld(b *testing.B) {
	resolver()
	for b.Loop() {
		ResolveOld("P.12", "Q. Gò Vấp", "TP HCM")
	}
}

func BenchmarkSearchWards(b *testing.B) {
	wardSearch()
	for b.Loop() {
		SearchWards("hòa")
	}
}

func nfd(s string) string { return normNFD(s) }
