package sandbox

import "strings"

// weighted is a value with a relative weight.
type weighted struct {
	v string
	w int
}

func pickWeighted(r *rng, list []weighted) string {
	total := 0
	for _, e := range list {
		total += e.w
	}
	n := r.intn(total)
	for _, e := range list {
		if n < e.w {
			return e.v
		}
		n -= e.w
	}
	return list[len(list)-1].v
}

func pick(r *rng, list []string) string { return list[r.intn(len(list))] }

// Family names of the Kinh majority, weighted roughly by frequency (per mille).
var kinhFamilies = []weighted{
	{"Nguyễn", 380}, {"Trần", 110}, {"Lê", 95}, {"Phạm", 70}, {"Hoàng", 30}, {"Huỳnh", 21},
	{"Phan", 45}, {"Vũ", 22}, {"Võ", 17}, {"Đặng", 21}, {"Bùi", 20}, {"Đỗ", 14}, {"Hồ", 13},
	{"Ngô", 13}, {"Dương", 10}, {"Lý", 5}, {"Trương", 8}, {"Đinh", 7}, {"Đào", 6}, {"Mai", 5},
	{"Cao", 4}, {"Lương", 4}, {"Tạ", 3},
}

// Family names common among some ethnic minorities.
var minorityFamilies = map[string][]string{
	"Tày":    {"Hoàng", "Nông", "Lục", "Hà", "Ma", "Lương"},
	"Nùng":   {"Hoàng", "Nông", "Lục", "Vi", "Chu"},
	"Thái":   {"Lò", "Cầm", "Lường", "Quàng", "Vi", "Hà"},
	"Mường":  {"Bùi", "Đinh", "Quách", "Hà", "Bạch"},
	"Khmer":  {"Thạch", "Sơn", "Danh", "Kim", "Lâm"},
	"Hoa":    {"Lâm", "Quách", "Trương", "Lý", "Châu"},
	"H'Mông": {"Giàng", "Thào", "Vàng", "Sùng", "Lầu"},
	"Dao":    {"Triệu", "Bàn", "Đặng", "Lý"},
}

var ethnicities = []weighted{
	{"Kinh", 860}, {"Tày", 20}, {"Thái", 19}, {"Mường", 15}, {"Khmer", 14}, {"Hoa", 8},
	{"Nùng", 11}, {"H'Mông", 14}, {"Dao", 9},
}

var religions = []weighted{
	{"Không", 820}, {"Phật giáo", 80}, {"Công giáo", 65}, {"Cao Đài", 12}, {"Tin Lành", 12},
	{"Phật giáo Hòa Hảo", 9},
}

var maleMiddles = []string{"Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Ngọc", "Xuân", "Trọng", "Gia", "Anh"}
var femaleMiddlesOld = []string{"Thị", "Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Minh", "Kim", "Hồng"}
var femaleMiddlesYoung = []string{"Thị", "Ngọc", "Thanh", "Thu", "Minh", "Khánh", "Bảo", "Phương", "Gia", "Hà", "Quỳnh"}

// Given names. Those ending in oa/oe/uy with a tone mark (Hòa, Thủy, Thúy, Thùy)
// have an old-style spelling (Hoà, Thuỷ...) that cards and records may use.
var maleGivens = []string{
	"Anh", "Bình", "Cường", "Dũng", "Dương", "Đạt", "Đức", "Hải", "Hiếu", "Hòa", "Hoàng", "Hùng",
	"Huy", "Khoa", "Khôi", "Kiên", "Long", "Lâm", "Mạnh", "Minh", "Nam", "Nghĩa", "Phong", "Phúc",
	"Quang", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Tiến", "Toàn", "Trung", "Tuấn",
	"Tùng", "Việt", "Vinh", "Hòa", "Thụy", "Duy", "Khải", "Lộc", "Tâm",
}
var femaleGivens = []string{
	"Anh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hòa", "Hồng",
	"Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương",
	"Quỳnh", "Thảo", "Thủy", "Thúy", "Thùy", "Trang", "Trâm", "Uyên", "Vân", "Yến", "Tuyết",
	"Hoa", "Ngọc", "Thủy", "Hòa", "Vy", "Nhi", "Diệp",
}

var streets = []string{
	"Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
	"Hùng Vương", "Nguyễn Huệ", "Phan Chu Trinh", "Điện Biên Phủ", "Lê Duẩn", "Võ Thị Sáu",
	"Nguyễn Du", "Bà Triệu", "Trần Phú", "Lê Hồng Phong", "Nguyễn Văn Cừ", "Phạm Văn Đồng",
	"Hoàng Hoa Thám", "Cách Mạng Tháng Tám", "Nguyễn Thị Minh Khai", "Lạc Long Quân", "Âu Cơ",
	"Tô Hiến Thành", "Chu Văn An", "Ngô Quyền", "Lý Tự Trọng", "Phan Đình Phùng",
}
var hamlets = []string{
	"Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Phú Xuân", "An Lạc", "Tân Lập",
	"Hòa Bình", "Đồng Tâm", "Tân Phú", "Phú Thọ", "Yên Thịnh", "Thành Công", "Quyết Tiến", "Đoàn Kết",
}

// oldStyle maps the new-style (modern) tone placement at the end of a syllable to
// the old style: hòa -> hoà, thủy -> thuỷ.
var toOldStyle, toNewStyle = func() (*strings.Replacer, *strings.Replacer) {
	pairs := [][2]string{
		{"òa", "oà"}, {"óa", "oá"}, {"ỏa", "oả"}, {"õa", "oã"}, {"ọa", "oạ"},
		{"òe", "oè"}, {"óe", "oé"}, {"ỏe", "oẻ"}, {"õe", "oẽ"}, {"ọe", "oẹ"},
		{"ùy", "uỳ"}, {"úy", "uý"}, {"ủy", "uỷ"}, {"ũy", "uỹ"}, {"ụy", "uỵ"},
	}
	var o, n []string
	for _, p := range pairs {
		o = append(o, p[0], p[1])
		n = append(n, p[1], p[0])
	}
	return strings.NewReplacer(o...), strings.NewReplacer(n...)
}()

// restyle rewrites the syllable-final tone marks of every word of name, old or new style.
// Only word-final clusters change ("Hoàng" keeps its spelling either way).
func restyle(name string, old bool) string {
	words := strings.Fields(name)
	for i, w := range words {
		rs := []rune(w)
		if len(rs) < 2 {
			continue
		}
		tail := string(rs[len(rs)-2:])
		head := string(rs[:len(rs)-2])
		if old {
			tail = toOldStyle.Replace(tail)
		} else {
			tail = toNewStyle.Replace(tail)
		}
		words[i] = head + tail
	}
	return strings.Join(words, " ")
}

// hasToneVariant reports whether restyling changes name.
func hasToneVariant(name string) bool { return restyle(name, true) != restyle(name, false) }
