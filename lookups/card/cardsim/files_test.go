package cardsim

import (
	"bytes"
	"encoding/asn1"
	"image/jpeg"
	"strings"
	"testing"
	"unicode/utf8"

	"motcua/lookups"
	"motcua/lookups/card/icao"
)

func TestDG1MRZ(t *testing.T) {
	p := testPerson()
	for _, noExpiry := range []bool{false, true} {
		if noExpiry {
			p.ExpiryDate, p.ExpiryText = lookups.Date{}, "Không thời hạn"
		}
		c, err := New(p, Profile{ParamID: icao.ParamP256}, nil)
		if err != nil {
			t.Fatal(err)
		}
		dg, ok := icao.Find(c.File(0x0101), 0x61)
		if !ok {
			t.Fatal("DG1 without tag 61")
		}
		mrz, ok := icao.Find(dg, 0x5F1F)
		if !ok || len(mrz) != 90 {
			t.Fatalf("MRZ %q", mrz)
		}
		l1, l2, l3 := string(mrz[:30]), string(mrz[30:60]), string(mrz[60:])
		cd := func(s string) byte {
			d, ok := icao.CheckDigit(s)
			if !ok {
				t.Fatalf("check digit over %q", s)
			}
			return d
		}
		docNo, birth, expiry := c.MRZ()
		if l1[:5] != "IDVNM" || l1[5:14] != docNo || docNo != p.ID[3:] || l1[15:27] != p.ID || l1[27:29] != "<<" {
			t.Errorf("line 1 %q", l1)
		}
		if l1[14] != cd(l1[5:14]) || l1[29] != cd(l1[15:27]) {
			t.Errorf("line 1 check digits %q", l1)
		}
		wantExpiry := "300715"
		if noExpiry {
			wantExpiry = "991231"
		}
		if l2[:6] != "900715" || birth != "900715" || l2[7] != 'F' || l2[8:14] != wantExpiry || expiry != wantExpiry || l2[15:29] != "VNM<<<<<<<<<<<" {
			t.Errorf("line 2 %q", l2)
		}
		if l2[6] != cd(l2[:6]) || l2[14] != cd(l2[8:14]) || l2[29] != cd(l1[5:30]+l2[0:7]+l2[8:15]+l2[18:29]) {
			t.Errorf("line 2 check digits %q", l2)
		}
		if l3 != "DANG<<THI<THU<NGHIEM"+strings.Repeat("<", 10) {
			t.Errorf("line 3 %q", l3)
		}
		if c.CAN() != "001234" {
			t.Errorf("CAN %q", c.CAN())
		}
	}
}

func TestMRZName(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Văn A":             "NGUYEN<<VAN<A",
		"  Đoàn   Thị Ánh  Tuyết ": "DOAN<<THI<ANH<TUYET",
		"Lê":                       "LE<<",
		"Tôn Nữ Hoàng Thị Phương Thảo Diễm Lệ": "TON<<NU<HOANG<THI<PHUONG<THAO<",
		"Hồ-Ngọc Ý": "HO<NGOC<<Y",
	} {
		if got := strings.TrimRight(mrzName(in), "<"); got != strings.TrimRight(want, "<") || len(mrzName(in)) != 30 {
			t.Errorf("mrzName(%q) = %q, want %q", in, mrzName(in), want)
		}
	}
}

// dg13Fields decodes DG13 the defensive way a reader should: items by
// number, either string type, nested sequences flattened.
func dg13Fields(t *testing.T, dg []byte) (map[int][]string, map[int]byte) {
	t.Helper()
	outer, rest, err := icao.ParseTLV(dg)
	if err != nil || outer.Tag != 0x6D || len(rest) != 0 {
		t.Fatalf("DG13 %X: %v", dg[:min(8, len(dg))], err)
	}
	var list asn1.RawValue
	if rest, err := asn1.Unmarshal(outer.Value, &list); err != nil || len(rest) != 0 || list.Tag != asn1.TagSequence {
		t.Fatalf("DG13 list: %v", err)
	}
	// the real cards' wrapper: SEQUENCE { INTEGER 1, OBJECT IDENTIFIER, SET { items } }
	var wrapper struct {
		Version int
		OID     asn1.ObjectIdentifier
		Items   asn1.RawValue `asn1:"set"`
	}
	if _, err := asn1.Unmarshal(list.FullBytes, &wrapper); err == nil {
		if wrapper.Version != 1 || !wrapper.OID.Equal(oidDG13) {
			t.Fatalf("DG13 wrapper %d %v", wrapper.Version, wrapper.OID)
		}
		list = wrapper.Items
	}
	fields, types := map[int][]string{}, map[int]byte{}
	var flatten func(n int, raw []byte)
	flatten = func(n int, raw []byte) {
		for len(raw) > 0 {
			var v asn1.RawValue
			var err error
			if raw, err = asn1.Unmarshal(raw, &v); err != nil {
				t.Fatalf("item %d: %v", n, err)
			}
			switch v.Tag {
			case asn1.TagUTF8String, asn1.TagPrintableString:
				fields[n] = append(fields[n], string(v.Bytes))
				types[n] = byte(v.Tag)
			case asn1.TagSequence:
				if len(v.Bytes) == 0 {
					fields[n] = append(fields[n], "")
				}
				flatten(n, v.Bytes)
			case asn1.TagOctetString:
				fields[n] = append(fields[n], "")
			default:
				t.Fatalf("item %d: unexpected tag %d", n, v.Tag)
			}
		}
	}
	raw := list.Bytes
	for len(raw) > 0 {
		var item struct {
			N    int
			Rest asn1.RawContent
		}
		var it asn1.RawValue
		var err error
		if raw, err = asn1.Unmarshal(raw, &it); err != nil {
			t.Fatal(err)
		}
		rest, err := asn1.Unmarshal(it.Bytes, &item.N)
		if err != nil {
			t.Fatalf("item number: %v", err)
		}
		if _, dup := fields[item.N]; dup {
			t.Fatalf("item %d twice", item.N)
		}
		fields[item.N] = nil
		flatten(item.N, rest)
	}
	return fields, types
}

func TestDG13(t *testing.T) {
	p := testPerson()
	for _, layout := range []int{1, 2} {
		for _, printable := range []bool{false, true} {
			c := issue(t, Profile{ParamID: icao.ParamP256, ParentLayout: layout, Printable: printable, AA: "none", NoChipAuth: true})
			f, types := dg13Fields(t, c.File(0x010D))
			want := map[int][]string{
				1: {p.ID}, 2: {p.FullName}, 3: {"15/07/1990"}, 4: {"Nữ"}, 5: {"Việt Nam"}, 6: {"Kinh"}, 7: {"Không"},
				8: {p.PlaceOfOrigin}, 9: {p.Residence}, 10: {p.Marks}, 11: {"10/04/2021"}, 12: {"15/07/2030"},
				13: {p.Father, p.Mother}, 14: {""}, 15: {p.OldID},
			}
			if len(f) != len(want) {
				t.Errorf("layout %d: %d items, want %d", layout, len(f), len(want))
			}
			for n, w := range want {
				if strings.Join(f[n], "|") != strings.Join(w, "|") {
					t.Errorf("layout %d printable %v: item %d = %q, want %q", layout, printable, n, f[n], w)
				}
			}
			wantType := byte(asn1.TagUTF8String)
			if printable {
				wantType = asn1.TagPrintableString
			}
			if types[2] != wantType {
				t.Errorf("string type %d, want %d", types[2], wantType)
			}
		}
	}

	// Spouse present, no old ID, no expiry date, padding to a size.
	p.Spouse, p.OldID, p.ExpiryDate, p.ExpiryText = "Phạm Văn Mẫu", "", lookups.Date{}, "Không thời hạn"
	c, err := New(p, Profile{ParamID: icao.ParamP256, DG13Size: 3000, AA: "none"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dg := c.File(0x010D)
	if len(dg) < 2900 || len(dg) > 3100 {
		t.Errorf("padded DG13 of %d bytes, want about 3000", len(dg))
	}
	f, _ := dg13Fields(t, dg)
	if _, ok := f[15]; ok {
		t.Error("item 15 present without an old ID")
	}
	if _, ok := f[16]; !ok {
		t.Error("no padding item 16")
	}
	if f[14][0] != "Phạm Văn Mẫu" || f[12][0] != "Không thời hạn" {
		t.Errorf("spouse %q, expiry %q", f[14], f[12])
	}
}

func TestDG2(t *testing.T) {
	p := testPerson()
	for _, size := range []int{15000, 4000, 40000} {
		c := issue(t, Profile{ParamID: icao.ParamP256, DG2Size: size, AA: "none", NoChipAuth: true})
		dg := c.File(0x0102)
		i := bytes.Index(dg, []byte("FAC\x00010\x00"))
		if i < 0 {
			t.Fatal("no facial record")
		}
		rec := dg[i:]
		img := rec[14+20+12:]
		if n := int(rec[8])<<24 | int(rec[9])<<16 | int(rec[10])<<8 | int(rec[11]); n != len(rec) {
			t.Errorf("record length %d, have %d", n, len(rec))
		}
		if rec[14+20+1] != 0 || rec[14+6] != 2 {
			t.Errorf("image type %d, gender %d", rec[14+20+1], rec[14+6])
		}
		if len(img) < size*9/10 || len(img) > size*11/10 {
			t.Errorf("JPEG of %d bytes for DG2Size %d", len(img), size)
		}
		if _, err := jpeg.Decode(bytes.NewReader(img)); err != nil {
			t.Errorf("JPEG: %v", err)
		}
		if !bytes.Equal(img, portrait(p.ID, size)) {
			t.Error("portrait not deterministic")
		}
	}
	if bytes.Equal(drawPortrait("079300001234", 60, 80).Pix, drawPortrait("079300001235", 60, 80).Pix) {
		t.Error("two IDs, one face")
	}
}

func TestEFCOMAndSecurityInfos(t *testing.T) {
	c := issue(t, Profile{})
	com := c.File(fidCOM)
	list, _ := icao.Find(mustValue(t, com, 0x60), 0x5C)
	if !bytes.Equal(list, []byte{0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F}) {
		t.Errorf("EF.COM lists %X", list)
	}
	if id, ok := paceParamOf(c.File(fidCardAccess)); !ok || id != icao.ParamBrainpool256 {
		t.Errorf("CardAccess param %d %v", id, ok)
	}
	if !bytes.Contains(c.File(fidCardAccess), icao.EncodeOID(oidCA)) {
		t.Error("CardAccess without ChipAuthenticationInfo")
	}
	dg14 := c.File(0x010E)
	for _, oid := range [][]byte{icao.EncodeOID(oidCA), icao.EncodeOID(icao.OIDPKECDH), icao.EncodeOID(icao.OIDCurveBrainpool256), icao.EncodeOID(icao.OIDAA)} {
		if !bytes.Contains(dg14, oid) {
			t.Errorf("DG14 lacks %X", oid)
		}
	}

	c = issue(t, Profile{NoPACE: true, NoChipAuth: true, AA: "none", ParamID: icao.ParamP256})
	if c.File(fidCardAccess) != nil || c.File(0x010E) != nil || c.File(0x010F) != nil {
		t.Error("files present that the profile excludes")
	}
	list, _ = icao.Find(mustValue(t, c.File(fidCOM), 0x60), 0x5C)
	if !bytes.Equal(list, []byte{0x61, 0x75, 0x63, 0x6D}) {
		t.Errorf("EF.COM lists %X", list)
	}
	// RSA active authentication: DG14 only for chip authentication.
	c = issue(t, Profile{AA: "rsa", ParamID: icao.ParamP256})
	if bytes.Contains(c.File(0x010E), icao.EncodeOID(icao.OIDAA)) {
		t.Error("ActiveAuthenticationInfo with an RSA key")
	}
	if _, err := New(testPerson(), Profile{AA: "dsa"}, nil); err == nil {
		t.Error("unknown AA accepted")
	}
	p := testPerson()
	p.ID = "12345"
	if _, err := New(p, Profile{}, nil); err == nil {
		t.Error("short ID accepted")
	}
}

func mustValue(t *testing.T, b []byte, tag uint32) []byte {
	t.Helper()
	v, ok := icao.Find(b, tag)
	if !ok {
		t.Fatalf("no tag %X in %X", tag, b[:min(len(b), 16)])
	}
	return v
}

// TestDG13Layouts: the real cards' wrapper by default, the bare list as an
// option; reordered items, unknown items and a Latin-1 value on demand.
func TestDG13Layouts(t *testing.T) {
	p := testPerson()
	real := issue(t, Profile{ParamID: icao.ParamP256, AA: "none", NoChipAuth: true}).File(0x010D)
	bare := issue(t, Profile{ParamID: icao.ParamP256, AA: "none", NoChipAuth: true, DG13Layout: "bare"}).File(0x010D)
	wrapperStart := append([]byte{0x02, 0x01, 0x01}, icao.EncodeOID(oidDG13)...)
	if !bytes.Contains(real, wrapperStart) || bytes.Contains(bare, wrapperStart) {
		t.Errorf("wrapper: real %v, bare %v", bytes.Contains(real, wrapperStart), bytes.Contains(bare, wrapperStart))
	}
	fr, _ := dg13Fields(t, real)
	fb, _ := dg13Fields(t, bare)
	for n, v := range fb {
		if strings.Join(fr[n], "|") != strings.Join(v, "|") {
			t.Errorf("item %d: real %q, bare %q", n, fr[n], v)
		}
	}
	if _, err := New(p, Profile{DG13Layout: "odd"}, nil); err == nil {
		t.Error("unknown layout accepted")
	}

	shuffled := issue(t, Profile{ParamID: icao.ParamP256, AA: "none", NoChipAuth: true, DG13Shuffle: true}).File(0x010D)
	fs, _ := dg13Fields(t, shuffled)
	for n, v := range fr {
		if strings.Join(fs[n], "|") != strings.Join(v, "|") {
			t.Errorf("shuffled item %d: %q, want %q", n, fs[n], v)
		}
	}
	i1, i12 := bytes.Index(shuffled, []byte{0x02, 0x01, 0x01, 0x13}), bytes.Index(shuffled, []byte{0x02, 0x01, 0x0C})
	if i1 < 0 || i12 < 0 || i12 > i1 {
		t.Errorf("items not reordered: item 1 at %d, item 12 at %d", i1, i12)
	}

	unknown := issue(t, Profile{ParamID: icao.ParamP256, AA: "none", NoChipAuth: true, DG13Unknown: true}).File(0x010D)
	if !bytes.Contains(unknown, []byte{0x02, 0x01, 23, 0x02, 0x01, 0x05}) || !bytes.Contains(unknown, []byte{0x02, 0x01, 31, 0x04, 0x02, 0xCA, 0xFE}) {
		t.Error("no unknown items")
	}

	bad := issue(t, Profile{ParamID: icao.ParamP256, AA: "none", NoChipAuth: true, DG13BadUTF8: 2}).File(0x010D)
	name := latin1(p.FullName)
	if !bytes.Contains(bad, name) || utf8.Valid(name) || bytes.Contains(bad, []byte(p.FullName)) {
		t.Errorf("name not in Latin-1")
	}
}
