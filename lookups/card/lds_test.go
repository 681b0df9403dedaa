package card

import (
	"bytes"
	"context"
	"testing"

	"motcua/lookups"
	"motcua/lookups/card/icao"
)

// DG13 fixtures are written by hand here (not by the emulator) so the
// parser is held to the layouts seen on cards, not to one encoder.

func str(tag uint32, s string) []byte { return icao.Encode(tag, []byte(s)) }

func item(n int, values ...[]byte) []byte {
	return icao.Encode(0x30, append([][]byte{icao.Encode(0x02, []byte{byte(n)})}, values...)...)
}

func dg13(items ...[]byte) []byte { return icao.Encode(0x6D, icao.Encode(0x30, items...)) }

func TestDG13ParentLayouts(t *testing.T) {
	base := func(st uint32, parents []byte) []byte {
		return dg13(
			item(1, str(st, "001089012345")),
			item(2, str(st, "Nguyễn Thị Thu Hà")),
			item(3, str(st, "12/03/1989")),
			item(4, str(st, "Nữ")),
			item(5, str(st, "Việt Nam")),
			item(6, str(st, "Kinh")),
			item(7, str(st, "Không")),
			item(8, str(st, "Xã Tân Hòa, Huyện Phú Tân, An Giang")),
			item(9, str(st, "Số 12 Ngõ 5, Phường Láng Hạ, Quận Đống Đa, Hà Nội")),
			item(10, str(st, "Nốt ruồi C:2cm trên trước đuôi mắt trái")),
			item(11, str(st, "15/08/2021")),
			item(12, str(st, "12/03/2029")),
			parents,
			item(14, icao.Encode(0x30)),
			item(15, str(st, "123456789")),
		)
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"layout 1 UTF8", base(0x0C, item(13, icao.Encode(0x30, str(0x0C, "Nguyễn Văn Bình")), icao.Encode(0x30, str(0x0C, "Trần Thị Lan"))))},
		{"layout 2 UTF8", base(0x0C, item(13, str(0x0C, "Nguyễn Văn Bình"), str(0x0C, "Trần Thị Lan")))},
		{"layout 1 Printable", base(0x13, item(13, icao.Encode(0x30, str(0x13, "Nguyễn Văn Bình")), icao.Encode(0x30, str(0x13, "Trần Thị Lan"))))},
		{"layout 2 Printable", base(0x13, item(13, str(0x13, "Nguyễn Văn Bình"), str(0x13, "Trần Thị Lan")))},
		{"nested deeper", base(0x0C, item(13, icao.Encode(0x30, icao.Encode(0x30, str(0x0C, "Nguyễn Văn Bình"), str(0x0C, "Trần Thị Lan")))))},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, err := ParseDG13(c.b)
			if err != nil {
				t.Fatal(err)
			}
			want := lookups.Citizen{ID: "001089012345", OldID: "123456789", FullName: "Nguyễn Thị Thu Hà", BirthDate: lookups.NewDate(1989, 3, 12),
				Sex: lookups.Female, Nationality: "Việt Nam", Ethnicity: "Kinh", Religion: "Không", PlaceOfOrigin: "Xã Tân Hòa, Huyện Phú Tân, An Giang",
				CardAddress: "Số 12 Ngõ 5, Phường Láng Hạ, Quận Đống Đa, Hà Nội", IssueDate: lookups.NewDate(2021, 8, 15), ExpiryDate: lookups.NewDate(2029, 3, 12)}
			if id.Citizen != want {
				t.Errorf("citizen\n got %+v\nwant %+v", id.Citizen, want)
			}
			if id.Father != "Nguyễn Văn Bình" || id.Mother != "Trần Thị Lan" || id.Spouse != "" || id.Marks == "" {
				t.Errorf("parents %q %q spouse %q marks %q", id.Father, id.Mother, id.Spouse, id.Marks)
			}
		})
	}
}

func TestDG13MissingAndUnknownItems(t *testing.T) {
	b := dg13(
		item(2, str(0x0C, "Lê Văn Tám")),
		item(1, str(0x0C, "079203000123")),
		item(12, str(0x0C, "Không thời hạn")),
		item(14, str(0x0C, "Phạm Thị Mai")),
		item(21, str(0x0C, "future item")),
		item(3, str(0x0C, "1950")), // year only
	)
	id, err := ParseDG13(b)
	if err != nil {
		t.Fatal(err)
	}
	if id.ID != "079203000123" || id.FullName != "Lê Văn Tám" || id.ExpiryText != "Không thời hạn" || !id.ExpiryDate.IsZero() ||
		id.Spouse != "Phạm Thị Mai" || id.BirthDate.Year != 1950 || id.Sex != "" || id.Father != "" {
		t.Errorf("%+v", id)
	}
	if len(id.Unknown) != 1 || id.Unknown[0] != 21 {
		t.Errorf("unknown items %v", id.Unknown)
	}
	// NFD text on the card comes out NFC
	nfd := dg13(item(2, str(0x0C, "Nguye\u0302\u0303n")))
	if id, err := ParseDG13(nfd); err != nil || id.FullName != "Nguyễn" {
		t.Errorf("NFD name: %q %v", id.FullName, err)
	}
	for _, bad := range [][]byte{nil, {0x6D, 0x00}, icao.Encode(0x6C, icao.Encode(0x30)), {0x6D, 0x05, 0x30, 0x03, 0x02}} {
		if _, err := ParseDG13(bad); err == nil {
			t.Errorf("% X accepted", bad)
		}
	}
}

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

func FuzzDG13(f *testing.F) {
	f.Add(dg13(item(1, str(0x0C, "001089012345")), item(13, icao.Encode(0x30, str(0x0C, "A")))))
	f.Add([]byte{0x6D, 0x03, 0x30, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseDG13(b) })
}

func FuzzDG1(f *testing.F) {
	f.Add(icao.Encode(0x61, str(0x5F1F, "IDVNM0890123453001089012345<<8")))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseDG1(b) })
}

func FuzzSOD(f *testing.F) {
	f.Add([]byte{0x77, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := ParseSOD(b); err == nil {
			_ = s.CheckSignature()
		}
	})
}

func FuzzSecurityInfos(f *testing.F) {
	f.Add(unhex("31143012060A04007F0007020204020202010202010D"))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseSecurityInfos(b) })
}

// FuzzSecureMessagingResponse feeds arbitrary secured responses to the
// reader's unwrapping: it must reject, never panic.
func FuzzSecureMessagingResponse(f *testing.F) {
	f.Add(unhex("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED"), uint16(0x9000))
	f.Add([]byte{0x99, 0x02, 0x90, 0x00}, uint16(0x9000))
	f.Fuzz(func(t *testing.T, b []byte, sw uint16) {
		for _, c := range []icao.Cipher{icao.TDES, icao.AES128} {
			s := &session{keys: icao.NewKeys(c, []byte("shared secret"))}
			_, _, _ = s.unprotect(b, sw)
		}
	})
}

func TestReadNeedsAKey(t *testing.T) {
	_, err := Read(context.Background(), &scripted{t: t}, Key{}, Options{}, nil)
	if err != ErrNoKey {
		t.Fatalf("%v", err)
	}
}
