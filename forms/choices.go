package forms

import (
	"sync"

	"motcua/lookups/units"
)

// Choice sources a field may name with choices_from.
const (
	ChoicesProvinces     = "provinces"     // value: two-digit province code, label: name
	ChoicesWards         = "wards"         // value: five-digit ward code, label: name (and province in the unfiltered list)
	ChoicesEthnicities   = "ethnicities"   // the 54 ethnic groups; value = label
	ChoicesNationalities = "nationalities" // value = label, "Việt Nam" first
)

var choiceSources = map[string]bool{
	ChoicesProvinces: true, ChoicesWards: true, ChoicesEthnicities: true, ChoicesNationalities: true,
}

// Ethnicities are the 54 ethnic groups of Viet Nam in the order of the
// official list (Quyết định 121-TCTK/PPCĐ).
var Ethnicities = []string{
	"Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai",
	"Ngái", "Ê Đê", "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Mnông",
	"Ra Glai", "Xtiêng", "Bru - Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Gié Triêng", "Mạ", "Khơ Mú", "Co",
	"Tà Ôi", "Chơ Ro", "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "La Ha", "Phù Lá",
	"La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y", "Si La",
	"Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
}

// Nationalities is the list offered for nationality fields: "Việt Nam"
// first, then the nationalities most often met at a ward counter.
var Nationalities = []string{
	"Việt Nam", "Lào", "Campuchia", "Trung Quốc", "Hàn Quốc", "Nhật Bản", "Thái Lan",
	"Hoa Kỳ", "Pháp", "Đức", "Anh", "Ô-xtrây-li-a", "Ca-na-đa", "Liên bang Nga",
	"Xin-ga-po", "Ma-lai-xi-a", "Phi-líp-pin", "In-đô-nê-xi-a", "Mi-an-ma", "Ấn Độ",
	"I-ta-li-a", "Tây Ban Nha", "Hà Lan", "Thụy Điển", "Na Uy", "Đan Mạch", "Ba Lan",
	"Séc", "Cu-ba", "Niu Di-lân", "Bra-xin", "Không quốc tịch",
}

var (
	srcOnce       sync.Once
	provinceList  []Choice
	wardList      []Choice
	ethnicityList []Choice
	nationList    []Choice
	ethnicitySet  map[string]bool
	nationSet     map[string]bool
	wardsByProv   map[string][]Choice
)

func initSources() {
	srcOnce.Do(func() {
		for _, p := range units.Provinces() {
			provinceList = append(provinceList, Choice{Value: p.Code, Label: p.Name})
		}
		wardsByProv = map[string][]Choice{}
		for _, w := range units.Wards() {
			// the full list names the province too: ward names repeat across provinces
			label := w.Name
			if p, ok := units.ProvinceByCode(w.ProvinceCode); ok {
				label += ", " + p.Name
			}
			wardList = append(wardList, Choice{Value: w.Code, Label: label})
			wardsByProv[w.ProvinceCode] = append(wardsByProv[w.ProvinceCode], Choice{Value: w.Code, Label: w.Name})
		}
		ethnicitySet, nationSet = map[string]bool{}, map[string]bool{}
		for _, e := range Ethnicities {
			ethnicityList = append(ethnicityList, Choice{Value: e, Label: e})
			ethnicitySet[e] = true
		}
		for _, n := range Nationalities {
			nationList = append(nationList, Choice{Value: n, Label: n})
			nationSet[n] = true
		}
	})
}

// sourceChoices returns the (shared, read-only) choices of a source; for
// wards, filter is a province code ("" = every ward).
func sourceChoices(src, filter string) []Choice {
	initSources()
	switch src {
	case ChoicesProvinces:
		return provinceList
	case ChoicesWards:
		if filter != "" {
			return wardsByProv[filter]
		}
		return wardList
	case ChoicesEthnicities:
		return ethnicityList
	case ChoicesNationalities:
		return nationList
	}
	return nil
}

// sourceLabel returns the label of value in a source ("" when not one of it);
// for wards, a non-empty filter also requires the ward to be in that province.
func sourceLabel(src, filter, value string) string {
	initSources()
	switch src {
	case ChoicesProvinces:
		if p, ok := units.ProvinceByCode(value); ok {
			return p.Name
		}
	case ChoicesWards:
		if w, ok := units.WardByCode(value); ok && (filter == "" || w.ProvinceCode == filter) {
			return w.Name
		}
	case ChoicesEthnicities:
		if ethnicitySet[value] {
			return value
		}
	case ChoicesNationalities:
		if nationSet[value] {
			return value
		}
	}
	return ""
}

// wardChoices returns the choices of the given ward codes, in that order.
func wardChoices(codes []string) []Choice {
	out := make([]Choice, 0, len(codes))
	for _, c := range codes {
		if w, ok := units.WardByCode(c); ok {
			out = append(out, Choice{Value: w.Code, Label: w.Name})
		}
	}
	return out
}
