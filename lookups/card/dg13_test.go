package card

import (
	"errors"
	"fmt"
	"motcua/lookups"
	"motcua/lookups/card/icao"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
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

// realDG13 lays items out as public readers of real cards describe DG13:
// 6D { SEQUENCE { INTEGER 1, OBJECT IDENTIFIER, SET { items } } }. The
// object identifier here is made up: the parser must not depend on it.
func realDG13(items ...[]byte) []byte {
	oid := []byte{0x06, 0x06, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x0D}
	return icao.Encode(0x6D, icao.Encode(0x30, []byte{0x02, 0x01, 0x01}, oid, icao.Encode(0x31, items...)))
}

// realItems are the items of a 2021 card as the readers show them: the ID,
// dates and old ID in PrintableString, the letters in UTF8String, parents
// each in a SEQUENCE, the spouse item empty, item 16 of unknown meaning.
func realItems() [][]byte {
	p, u := uint32(0x13), uint32(0x0C)
	return [][]byte{
		item(1, str(p, "001089012345")),
		item(2, str(u, "Nguyễn Thị Thu Hà")),
		item(3, str(p, "12/03/1989")),
		item(4, str(u, "Nữ")),
		item(5, str(u, "Việt Nam")),
		item(6, str(u, "Kinh")),
		item(7, str(u, "Không")),
		item(8, str(u, "Xã Tân Hòa, Huyện Phú Tân, An Giang")),
		item(9, str(u, "Số 12 Ngõ 5, Phường Láng Hạ, Quận Đống Đa, Hà Nội")),
		item(10, str(u, "Nốt ruồi C:2cm trên trước đuôi mắt trái")),
		item(11, str(p, "15/08/2021")),
		item(12, str(u, "12/03/2029")),
		item(13, icao.Encode(0x30, str(u, "Nguyễn Văn Bình")), icao.Encode(0x30, str(u, "Trần Thị Lan"))),
		item(14),
		item(15, str(p, "123456789")),
		item(16, str(p, "0123456789ABCDEF")),
	}
}

var realWant = lookups.Citizen{ID: "001089012345", OldID: "123456789", FullName: "Nguyễn Thị Thu Hà", BirthDate: lookups.NewDate(1989, 3, 12),
	Sex: lookups.Female, Nationality: "Việt Nam", Ethnicity: "Kinh", Religion: "Không", PlaceOfOrigin: "Xã Tân Hòa, Huyện Phú Tân, An Giang",
	CardAddress: "Số 12 Ngõ 5, Phường Láng Hạ, Quận Đống Đa, Hà Nội", IssueDate: lookups.NewDate(2021, 8, 15), ExpiryDate: lookups.NewDate(2029, 3, 12)}

// TestDG13RealCardLayout: items are found by number inside the real cards'
// wrapper, which is never taken for item 1, in any order, with unknown
// items among them.
func TestDG13RealCardLayout(t *testing.T) {
	items := realItems()
	reversed := slices.Clone(items)
	slices.Reverse(reversed)
	shuffled := [][]byte{items[11], items[8], items[0], items[15], item(20, icao.Encode(0x02, []byte{7})), items[1], items[13], items[2],
		items[12], item(17, icao.Encode(0x04, []byte{1, 2}), icao.Encode(0x01, []byte{0xFF})), items[3], items[4], items[5], items[6], items[7],
		items[9], items[10], items[14]}
	oid := []byte{0x06, 0x03, 0x2A, 0x03, 0x04}
	for _, c := range []struct {
		name    string
		b       []byte
		unknown []int
	}{
		{"in order", realDG13(items...), nil},
		{"reversed", realDG13(reversed...), nil},
		{"reordered, unknown items among them", realDG13(shuffled...), []int{20, 17}},
		{"the wrapper one level deeper", icao.Encode(0x6D, icao.Encode(0xA0, icao.Encode(0x30, []byte{0x02, 0x01, 0x01}, oid, icao.Encode(0x31, shuffled...)))), []int{20, 17}},
		{"bare layout, reordered", dg13(shuffled...), []int{20, 17}},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, err := ParseDG13(c.b)
			if err != nil {
				t.Fatal(err)
			}
			if id.Citizen != realWant {
				t.Errorf("citizen\n got %+v\nwant %+v", id.Citizen, realWant)
			}
			if id.Father != "Nguyễn Văn Bình" || id.Mother != "Trần Thị Lan" || id.Spouse != "" || id.Marks == "" {
				t.Errorf("parents %q %q spouse %q marks %q", id.Father, id.Mother, id.Spouse, id.Marks)
			}
			if !slices.Equal(id.Unknown, c.unknown) || len(id.Unreadable) != 0 {
				t.Errorf("unknown items %v, unreadable %v", id.Unknown, id.Unreadable)
			}
		})
	}
}

// TestDG13ItemErrors: a value of an unexpected type, bytes that are not
// UTF-8 (never read as Latin-1), a control character, several values for
// one, or an item twice, make the parse fail naming the item; the other
// items come with the error.
func TestDG13ItemErrors(t *testing.T) {
	latin1 := []byte("Nguy\xean Th\xe1i") // "Nguyên Thái" in Latin-1: not UTF-8
	replace := func(n int, it []byte) [][]byte {
		items := realItems()
		items[n-1] = it
		return items
	}
	for _, c := range []struct {
		name  string
		items [][]byte
		item  int
	}{
		{"name not UTF-8", replace(2, item(2, icao.Encode(0x0C, latin1))), 2},
		{"name not UTF-8 in a PrintableString", replace(2, item(2, icao.Encode(0x13, latin1))), 2},
		{"address not UTF-8", replace(9, item(9, icao.Encode(0x0C, []byte{0x53, 0xF4, 0x20, 0x31}))), 9},
		{"ID as an INTEGER", replace(1, item(1, icao.Encode(0x02, []byte{0x01, 0x02}))), 1},
		{"name as an OCTET STRING", replace(2, item(2, icao.Encode(0x04, []byte("Nguyễn")))), 2},
		{"father not UTF-8", replace(13, item(13, icao.Encode(0x30, icao.Encode(0x0C, latin1)), icao.Encode(0x30, str(0x0C, "Trần Thị Lan")))), 13},
		{"control character in the name", replace(2, item(2, str(0x0C, "Nguyễn\x1b[2J"))), 2},
		{"two names", replace(2, item(2, str(0x0C, "Nguyễn Thị Thu Hà"), str(0x0C, "Lê Văn Tám"))), 2},
		{"sex neither Nam nor Nữ", replace(4, item(4, str(0x0C, "X"))), 4},
		{"birth date not a date", replace(3, item(3, str(0x13, "12/13/1989"))), 3},
		{"ID twice", append(realItems(), item(1, str(0x13, "079203000123"))), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, err := ParseDG13(realDG13(c.items...))
			var ie *ItemError
			if !errors.As(err, &ie) || ie.Item != c.item || !errors.Is(err, ErrLDS) {
				t.Fatalf("err %v, want an ItemError for item %d", err, c.item)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("item %d", c.item)) {
				t.Errorf("error %q does not name the item", err)
			}
			if id == nil || !slices.Equal(id.Unreadable, []int{c.item}) {
				t.Fatalf("identity %+v", id)
			}
			got := fmt.Sprintf("%+v", *id)
			for _, bad := range []string{"Nguyên Thái", "Sô 1", "\ufffd", "\x1b", "Lê Văn Tám", "079203000123"} { // Latin-1 readings, replacement, the extras
				if strings.Contains(got, bad) {
					t.Errorf("a bad value came through (%q): %s", bad, got)
				}
			}
			// the other items are there
			if c.item != 1 && id.ID != realWant.ID || c.item != 2 && id.FullName != realWant.FullName || c.item != 9 && id.CardAddress != realWant.CardAddress {
				t.Errorf("other items lost: %+v", id.Citizen)
			}
			// and the value of the bad one is not
			switch c.item {
			case 1:
				if id.ID != "" {
					t.Errorf("ID %q", id.ID)
				}
			case 2:
				if id.FullName != "" {
					t.Errorf("name %q", id.FullName)
				}
			case 13:
				if id.Father != "" || id.Mother != "" {
					t.Errorf("parents %q %q", id.Father, id.Mother)
				}
			}
		})
	}
	// unknown items are not ours to judge
	if _, err := ParseDG13(realDG13(append(realItems(), item(30, icao.Encode(0x04, latin1)))...)); err != nil {
		t.Errorf("unknown item with any value: %v", err)
	}
	// partial birth dates, as some records have
	for s, want := range map[string]lookups.Date{"1950": {Year: 1950}, "00/00/1950": {Year: 1950}, "00/03/1950": {Year: 1950, Month: 3}} {
		id, err := ParseDG13(realDG13(item(1, str(0x13, "001050012345")), item(3, str(0x13, s))))
		if err != nil || id.BirthDate != want {
			t.Errorf("birth %q: %+v %v", s, id.BirthDate, err)
		}
	}
}

// FuzzDG13 walks arbitrary DG13 bytes: never a panic, and whatever comes
// out is valid NFC UTF-8 without control characters; every unreadable item
// is named by an ItemError.
func FuzzDG13(f *testing.F) {
	f.Add(dg13(item(1, str(0x0C, "001089012345")), item(13, icao.Encode(0x30, str(0x0C, "A")))))
	f.Add([]byte{0x6D, 0x03, 0x30, 0x01, 0x02})
	f.Add(realDG13(realItems()...))
	f.Add(realDG13(item(2, icao.Encode(0x0C, []byte("Nguy\xean"))), item(1, icao.Encode(0x02, []byte{1}))))
	f.Add(realDG13(item(1, str(0x13, "1")), item(1, str(0x13, "2")), item(3, str(0x13, "00/00/1950"))))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := ParseDG13(b)
		if id == nil {
			if err == nil {
				t.Fatal("no identity and no error")
			}
			return
		}
		for _, s := range []string{id.ID, id.FullName, id.CardAddress, id.PlaceOfOrigin, id.Father, id.Mother, id.Spouse, id.Marks, id.ExpiryText, id.OldID} {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) || !norm.NFC.IsNormalString(s) {
				t.Fatalf("value %q from %X", s, b)
			}
		}
		for _, n := range id.Unreadable {
			var named bool
			for _, e := range unwrapAll(err) {
				var ie *ItemError
				if errors.As(e, &ie) && ie.Item == n {
					named = true
				}
			}
			if !named {
				t.Fatalf("item %d unreadable without its error (%v)", n, err)
			}
		}
		if (err == nil) != (len(id.Unreadable) == 0) {
			t.Fatalf("error %v with unreadable items %v", err, id.Unreadable)
		}
	})
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
