// Package pid validates the 12-digit personal ID number (số định danh cá nhân)
// and the old 9-digit ID number, explaining in Vietnamese what is wrong.
package pid

import "motcua/lookups"

// Problem is one reason an ID number is invalid.
type Problem struct {
	Code    string // machine code: "length", "digits", "province", "sex_century", "birth_year"
	Message string // Vietnamese, for the clerk
}

// Error is returned by Validate; it lists every problem found.
type Error struct{ Problems []Problem }

func (e *Error) Error() string { panic("not implemented") }

// Province returns the old-63-province name for a 3-digit birth-registration code.
func Province(code string) (string, bool) { panic("not implemented") }

// ProvinceCodes returns the 63 known 3-digit codes in ascending order.
func ProvinceCodes() []string { panic("not implemented") }

// Validate checks a 12-digit ID. birth and sex may be zero/empty when unknown;
// when given, the sex/century digit and the birth-year digits must agree with them.
func Validate(id string, birth lookups.Date, sex lookups.Sex) error { panic("not implemented") }

// Build assembles a valid ID from its parts (province code "001", sex, birth date, 6-digit sequence).
func Build(provinceCode string, sex lookups.Sex, birth lookups.Date, seq int) (string, error) {
	panic("not implemented")
}

// ValidateOld checks a 9-digit CMND number (digits only).
func ValidateOld(id string) error { panic("not implemented") }
