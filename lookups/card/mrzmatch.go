package card

import (
	"fmt"
	"strings"

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

// checkMRZ parses DG1 and cross-checks it with DG13; the MRZ fills an ID
// DG13 could not give.
func (rd *reading) checkMRZ(id *Identity) {
	m, err := ParseDG1(rd.files[1])
	if err != nil {
		rd.logf("DG1 does not parse: %v", err)
		rd.res.MRZMatch, rd.res.MRZNote = Failed, "Tệp DG1 (MRZ) trên chip không đúng cấu trúc."
		return
	}
	rd.res.MRZ = m
	if id.ID == "" {
		id.ID = m.ID
	}
	if diff := crossCheck(id, m); len(diff) > 0 {
		rd.logf("DG13 and the MRZ disagree: %s", strings.Join(diff, ", "))
		rd.res.MRZMatch = Failed
		rd.res.MRZNote = "Thông tin trong DG13 và MRZ (DG1) trên chip không khớp: " + strings.Join(diff, ", ") +
			". Không dùng dữ liệu của thẻ; tra cứu theo số định danh và đối chiếu giấy tờ."
		return
	}
	rd.res.MRZMatch = Passed
}
