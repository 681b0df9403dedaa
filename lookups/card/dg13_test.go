package card

import (
	"motcua/lookups"
	"motcua/lookups/card/icao"
	"testing"
)

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

func FuzzDG13(f *testing.F) {
	f.Add(dg13(item(1, str(0x0C, "001089012345")), item(13, icao.Encode(0x30, str(0x0C, "A")))))
	f.Add([]byte{0x6D, 0x03, 0x30, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseDG13(b) })
}
