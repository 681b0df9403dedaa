package card

import (
	"fmt"

	"motcua/lookups"
)

// crossCheck compares DG13 with DG1's MRZ: the ID number, birth date, sex
// and expiry date must agree (both are signed; a card whose two copies of
// the holder's data disagree cannot be trusted for either). It returns the
// Vietnamese names of the fields that differ; parts one side leaves unknown
// (a birth day or month "<<" or 00, an expiry written as words) are not
// compared.
func crossCheck(id *Identity, m *MRZ) []string {
	var diff []string
	if id.ID != "" && m.ID != "" && id.ID != m.ID || id.ID != "" && len(id.ID) == 12 && m.DocNo != "" && m.DocNo != id.ID[3:] {
		diff = append(diff, "số định danh")
	}
	if !sameMRZDate(id.BirthDate, m.Birth) {
		diff = append(diff, "ngày sinh")
	}
	switch {
	case id.Sex == lookups.Male && m.Sex == "F", id.Sex == lookups.Female && m.Sex == "M":
		diff = append(diff, "giới tính")
	}
	if !id.ExpiryDate.IsZero() && !sameMRZDate(id.ExpiryDate, m.Expiry) {
		diff = append(diff, "ngày hết hạn")
	}
	return diff
}

// sameMRZDate compares a date with an MRZ YYMMDD, known parts only.
func sameMRZDate(d lookups.Date, mrz string) bool {
	if d.Year == 0 || len(mrz) != 6 {
		return true
	}
	part := func(s string, v int) bool { return s == "<<" || v == 0 || s == fmt.Sprintf("%02d", v%100) }
	return part(mrz[0:2], d.Year) && part(mrz[2:4], int(d.Month)) && part(mrz[4:6], d.Day)
}
