package card

import (
	"bytes"
	"testing"

	"motcua/lookups/card/icao"
)

// DG13 fixtures are written by hand here (not by the emulator) so the
// parser is held to the layouts seen on cards, not to one encoder.

func td1(t *testing.T, id, birth, sex, expiry, name string) string {
	t.Helper()
	cd := func(s string) string { d, _ := icao.CheckDigit(s); return string(d) }
	pad := func(s string, n int) string {
		for len(s) < n {
			s += "<"
		}
		return s[:n]
	}
	doc := id[3:]
	l1 := "IDVNM" + doc + cd(doc) + id + "<<" + cd(id)
	l2 := birth + cd(birth) + sex + expiry + cd(expiry) + "VNM" + "<<<<<<<<<<<"
	l2 += cd(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
	return l1 + l2 + pad(name, 30)
}

func TestDG1CheckDigits(t *testing.T) {
	mrz := td1(t, "001089012345", "890312", "F", "290312", "NGUYEN<<THI<THU<HA")
	m, err := ParseDG1(icao.Encode(0x61, str(0x5F1F, mrz)))
	if err != nil {
		t.Fatal(err)
	}
	if !m.Valid() || m.DocNo != "089012345" || m.ID != "001089012345" || m.Birth != "890312" || m.Expiry != "290312" || m.Sex != "F" ||
		m.Name != "NGUYEN THI THU HA" || m.Nationality != "VNM" {
		t.Fatalf("%+v", m)
	}
	for i, pos := range []int{14, 36, 44, 59} { // each check digit and a field under it
		b := []byte(mrz)
		b[pos] = '0' + (b[pos]-'0'+1)%10
		m, err := ParseTD1(string(b))
		if err != nil || m.Valid() {
			t.Errorf("corruption %d at %d not caught: %+v", i, pos, m)
		}
	}
	if _, err := ParseTD1(mrz[:89]); err == nil {
		t.Error("short MRZ accepted")
	}
}

func TestDG2Formats(t *testing.T) {
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{1}, 40)...)
	jp2 := append([]byte{0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}, bytes.Repeat([]byte{2}, 40)...)
	j2k := append([]byte{0xFF, 0x4F, 0xFF, 0x51}, bytes.Repeat([]byte{3}, 40)...)
	for _, c := range []struct {
		img    []byte
		format string
	}{{jpeg, "JPEG"}, {jp2, "JPEG 2000"}, {j2k, "JPEG 2000"}} {
		header := append([]byte("FAC\x00010\x00"), make([]byte, 38)...)
		dg2 := icao.Encode(0x75, icao.Encode(0x7F61, icao.Encode(0x02, []byte{1}),
			icao.Encode(0x7F60, icao.Encode(0xA1, icao.Encode(0x80, []byte{1, 1})), icao.Encode(0x5F2E, header, c.img))))
		f, err := ParseDG2(dg2)
		if err != nil || f.Format != c.format || !bytes.Equal(f.Data, c.img) {
			t.Errorf("%s: %v %+v", c.format, err, f)
		}
	}
}

func TestATRExtendedLength(t *testing.T) {
	// 3B 8A 80 01 | 80 31 80 73 00 00 C0 ... : T=0/T=1, card capabilities with extended length
	with := []byte{0x3B, 0x87, 0x80, 0x01, 0x80, 0x31, 0x80, 0x73, 0x00, 0x00, 0xC0}
	with = append(with, xorAll(with[1:]))
	without := append([]byte{}, with...)
	without[10] = 0x80
	if !ExtendedLength(with) || ExtendedLength(without) || ExtendedLength(nil) || ExtendedLength([]byte{0x3B, 0xFF}) {
		t.Fatal("extended-length detection")
	}
}

func xorAll(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

func FuzzDG1(f *testing.F) {
	f.Add(icao.Encode(0x61, str(0x5F1F, "IDVNM0890123453001089012345<<8")))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseDG1(b) })
}
