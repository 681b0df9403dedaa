package units

import "slices"

// Province is a current province-level unit.
type Province struct {
	Code string // two-digit province code, e.g. "01"
	Name string // e.g. "Thành phố Hà Nội"
}

// Ward is a current commune-level unit (phường, xã, đặc khu).
type Ward struct {
	Code         string // five-digit ward code
	Name         string // e.g. "Phường Ba Đình"
	ProvinceCode string
}

// OldWard is a pre-2025 ward with its district and province, and the current
// ward(s) it became. A split ward maps to more than one current ward.
type OldWard struct {
	Code     string // old ward code when known
	Name     string
	District string
	Province string
	NewCodes []string // current ward codes
}

// Provinces returns the 34 provinces, ordered by code.
func Provinces() []Province { return slices.Clone(load().provinces) }

// Wards returns all 3,321 wards, ordered by code.
func Wards() []Ward { return slices.Clone(load().wards) }

// WardsOf returns the wards of a province, ordered by code.
func WardsOf(provinceCode string) []Ward {
	return slices.Clone(load().wardsOf[provinceCode])
}

// ProvinceByCode returns the province with that code.
func ProvinceByCode(code string) (Province, bool) {
	d := load()
	i, ok := d.provinceIdx[code]
	if !ok {
		return Province{}, false
	}
	return d.provinces[i], true
}

// WardByCode returns the ward with that code.
func WardByCode(code string) (Ward, bool) {
	d := load()
	i, ok := d.wardIdx[code]
	if !ok {
		return Ward{}, false
	}
	return d.wards[i], true
}

// OldWardsOf returns the pre-2025 wards that became (wholly or partly) the current ward.
func OldWardsOf(newWardCode string) []OldWard {
	d := load()
	idx := d.oldByNew[newWardCode]
	if len(idx) == 0 {
		return nil
	}
	out := make([]OldWard, len(idx))
	for i, j := range idx {
		out[i] = d.olds[j].clone()
	}
	return out
}

// ResolveOld finds the pre-2025 ward by its names (tolerant of case, tone-mark
// placement, missing diacritics and prefixes such as "Phường"/"P."), and
// returns the current wards it became: one, or several when it was split.
//
// An empty district or province matches any. When several old wards fit
// equally well (e.g. "Phường 1" without a district), ResolveOld reports false.
func ResolveOld(ward, district, province string) (OldWard, bool) {
	i, ok := resolver().resolve(ward, district, province)
	if !ok {
		return OldWard{}, false
	}
	return load().olds[i].clone(), true
}

// OldWards returns all pre-2025 wards of the mapping, ordered by old province,
// district and ward name.
func OldWards() []OldWard {
	d := load()
	out := make([]OldWard, len(d.olds))
	for i := range d.olds {
		out[i] = d.olds[i].clone()
	}
	return out
}

// SplitOldWards returns the pre-2025 wards that were split between more than
// one current ward, in the order of OldWards.
func SplitOldWards() []OldWard {
	var out []OldWard
	for _, o := range load().olds {
		if len(o.NewCodes) > 1 {
			out = append(out, o.clone())
		}
	}
	return out
}

// SearchWards returns the current wards whose name contains query, compared
// without diacritics, case or tone placement (vntext.SearchKey). A leading
// type ("Phường", "P.", "Xã", "Đặc khu") in query only matches wards of that
// type. Order: equal names, then names starting with query, then the rest,
// each with matches that keep the diacritics first; ties by ward code. An
// empty query returns nil.
func SearchWards(query string) []Ward {
	return wardSearch().search(query)
}

func (o OldWard) clone() OldWard {
	o.NewCodes = slices.Clone(o.NewCodes)
	return o
}
