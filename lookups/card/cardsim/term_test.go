package cardsim

// A minimal terminal, for these tests only: just enough of the reader's
// side to drive the chip through BAC, PACE and secure messaging. The real
// reader lives in lookups/card and is tested against this package.

import (
	"bytes"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"testing"

	"motcua/lookups"
	"motcua/lookups/card/icao"
)

// testPerson is synthetic: no such citizen exists.
func testPerson() Person {
	return Person{
		ID:            "079300001234",
		OldID:         "025123456",
		FullName:      "Đặng Thị Thử Nghiệm",
		BirthDate:     lookups.NewDate(1990, 7, 15),
		Sex:           lookups.Female,
		Nationality:   "Việt Nam",
		Ethnicity:     "Kinh",
		Religion:      "Không",
		PlaceOfOrigin: "Phường Thử, Thành phố Mẫu",
		Residence:     "Số 1 Đường Ví Dụ, Phường Thử, Thành phố Mẫu",
		Marks:         "Nốt ruồi C:2cm trên sau đầu mày trái",
		IssueDate:     lookups.NewDate(2021, 4, 10),
		ExpiryDate:    lookups.NewDate(2030, 7, 15),
		Father:        "Đặng Văn Mẫu",
		Mother:        "Lê Thị Mẫu",
	}
}

func issue(t testing.TB, prof Profile) *Card {
	t.Helper()
	c, err := New(testPerson(), prof, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type term struct {
	t    testing.TB
	card *Card
	keys *icao.Keys
	ext  bool // send extended-length secured commands
	t0   bool // fetch 61xx answers with GET RESPONSE
}

// buildAPDU encodes a command; le < 0 means no Le field.
func buildAPDU(cla, ins, p1, p2 byte, data []byte, le int, ext bool) []byte {
	out := []byte{cla, ins, p1, p2}
	if ext {
		if len(data) > 0 {
			out = append(out, 0, byte(len(data)>>8), byte(len(data)))
			out = append(out, data...)
		}
		if le >= 0 {
			if len(data) == 0 {
				out = append(out, 0)
			}
			out = append(out, byte(le>>8), byte(le))
		}
		return out
	}
	if len(data) > 0 {
		out = append(out, byte(len(data)))
		out = append(out, data...)
	}
	if le >= 0 {
		out = append(out, byte(le))
	}
	return out
}

func (tm *term) tx(apdu []byte) ([]byte, uint16) {
	tm.t.Helper()
	resp, err := tm.card.Transmit(apdu)
	if err != nil {
		tm.t.Fatalf("transmit %X: %v", apdu, err)
	}
	if len(resp) < 2 {
		tm.t.Fatalf("response %X without status word", resp)
	}
	n := len(resp) - 2
	data, sw := resp[:n], uint16(resp[n])<<8|uint16(resp[n+1])
	for tm.t0 && sw&0xFF00 == 0x6100 {
		more, err := tm.card.Transmit([]byte{0x00, 0xC0, 0x00, 0x00, byte(sw)})
		if err != nil || len(more) < 2 {
			tm.t.Fatalf("GET RESPONSE: %X %v", more, err)
		}
		n := len(more) - 2
		data, sw = append(data, more[:n]...), uint16(more[n])<<8|uint16(more[n+1])
	}
	return data, sw
}

// okTx transmits apdu and requires 9000.
func (tm *term) okTx(what string, apdu []byte) []byte {
	tm.t.Helper()
	data, sw := tm.tx(apdu)
	if sw != 0x9000 {
		tm.t.Fatalf("%s: SW %04X", what, sw)
	}
	return data
}

func (tm *term) bac(docNo, birth, expiry string) uint16 {
	tm.t.Helper()
	rndIC, sw := tm.tx([]byte{0x00, 0x84, 0x00, 0x00, 0x08})
	if sw != 0x9000 {
		return sw
	}
	info, err := icao.MRZInfo(docNo, birth, expiry)
	if err != nil {
		tm.t.Fatal(err)
	}
	kenc, kmac := icao.BACKeys(info)
	rndIFD, kifd := random(8), random(16)
	eifd, _ := icao.CBCEncrypt(icao.TDES, kenc, append(append(append([]byte{}, rndIFD...), rndIC...), kifd...))
	mifd, _ := icao.RetailMAC(kmac, icao.Pad(eifd, 8))
	resp, sw := tm.tx(buildAPDU(0, 0x82, 0, 0, append(eifd, mifd...), 0x28, false))
	if sw != 0x9000 {
		return sw
	}
	if mic, _ := icao.RetailMAC(kmac, icao.Pad(resp[:32], 8)); !bytes.Equal(mic, resp[32:]) {
		tm.t.Fatal("BAC: chip MAC wrong")
	}
	r, _ := icao.CBCDecrypt(icao.TDES, kenc, resp[:32])
	if !bytes.Equal(r[:8], rndIC) || !bytes.Equal(r[8:16], rndIFD) {
		tm.t.Fatal("BAC: chip cryptogram wrong")
	}
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kifd, r[16:])
	tm.keys = &icao.Keys{Cipher: icao.TDES, Enc: icao.KDF(seed, icao.KDFEnc, icao.TDES), Mac: icao.KDF(seed, icao.KDFMac, icao.TDES),
		SSC: append(append([]byte{}, rndIC[4:]...), rndIFD[4:]...)}
	return 0x9000
}

func (tm *term) bacCard() {
	tm.t.Helper()
	if sw := tm.bac(tm.card.MRZ()); sw != 0x9000 {
		tm.t.Fatalf("BAC: SW %04X", sw)
	}
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// pace runs PACE with password reference ref (1 MRZ, 2 CAN); it returns the
// first status word other than 9000, or 9000.
func (tm *term) pace(ref byte) uint16 {
	tm.t.Helper()
	param, ok := paceParamOf(tm.card.File(fidCardAccess))
	if !ok {
		tm.t.Fatal("no PACEInfo in EF.CardAccess")
	}
	var kpi []byte
	if ref == 1 {
		info, err := icao.MRZInfo(tm.card.MRZ())
		if err != nil {
			tm.t.Fatal(err)
		}
		kpi = icao.PasswordKey(icao.AES128, info, true)
	} else {
		kpi = icao.PasswordKey(icao.AES128, tm.card.CAN(), false)
	}
	return tm.paceWith(ref, param, kpi)
}

func (tm *term) paceWith(ref byte, param int, kpi []byte) uint16 {
	tm.t.Helper()
	curve, err := icao.CurveByParamID(param)
	if err != nil {
		tm.t.Fatal(err)
	}
	mse := append(icao.Encode(0x80, oidValue(oidPACE)), icao.Encode(0x83, []byte{ref})...)
	mse = append(mse, icao.Encode(0x84, []byte{byte(param)})...)
	if _, sw := tm.tx(buildAPDU(0, 0x22, 0xC1, 0xA4, mse, -1, false)); sw != 0x9000 {
		return sw
	}
	ga := func(cla byte, tag uint32, value []byte, want uint32) ([]byte, uint16) {
		var inner []byte
		if tag != 0 {
			inner = icao.Encode(tag, value)
		}
		resp, sw := tm.tx(buildAPDU(cla, 0x86, 0, 0, icao.Encode(0x7C, inner), 0, false))
		if sw != 0x9000 {
			return nil, sw
		}
		v, ok := icao.Find(resp, 0x7C)
		if !ok {
			tm.t.Fatalf("GA response %X", resp)
		}
		out, ok := icao.Find(v, want)
		if !ok {
			tm.t.Fatalf("GA response %X lacks %X", resp, want)
		}
		return out, sw
	}
	z, sw := ga(0x10, 0, nil, 0x80)
	if sw != 0x9000 {
		return sw
	}
	s, err := icao.CBCDecrypt(icao.AES128, kpi, z)
	if err != nil {
		tm.t.Fatal(err)
	}
	skMap, _ := icao.RandomScalar(curve, rand.Reader)
	g := icao.Generator(curve)
	pkMapIC, sw := ga(0x10, 0x81, icao.Mul(curve, g, skMap).Bytes(curve), 0x82)
	if sw != 0x9000 {
		return sw
	}
	pm, err := icao.ParsePoint(curve, pkMapIC)
	if err != nil {
		tm.t.Fatal(err)
	}
	mapped := icao.MapGeneric(curve, s, icao.Mul(curve, pm, skMap))
	skEph, _ := icao.RandomScalar(curve, rand.Reader)
	pkEph := icao.Mul(curve, mapped, skEph).Bytes(curve)
	pkEphIC, sw := ga(0x10, 0x83, pkEph, 0x84)
	if sw != 0x9000 {
		return sw
	}
	pe, err := icao.ParsePoint(curve, pkEphIC)
	if err != nil {
		tm.t.Fatal(err)
	}
	keys := icao.NewKeys(icao.AES128, icao.SharedX(curve, pe, skEph))
	proto := icao.EncodeOID(oidPACE)
	tifd, _ := icao.Token(icao.AES128, keys.Mac, icao.PublicKeyTemplate(proto, pkEphIC))
	tic, sw := ga(0x00, 0x85, tifd, 0x86)
	if sw != 0x9000 {
		return sw
	}
	if want, _ := icao.Token(icao.AES128, keys.Mac, icao.PublicKeyTemplate(proto, pkEph)); !bytes.Equal(tic, want) {
		tm.t.Fatal("PACE: chip token wrong")
	}
	tm.keys = keys
	return 0x9000
}

var errResponseMAC = errors.New("response MAC wrong")

// sec sends a command under secure messaging; le < 0: no DO97. A plain
// answer (no protected objects) comes back as is.
func (tm *term) sec(ins, p1, p2 byte, data []byte, le int) ([]byte, uint16, error) {
	tm.t.Helper()
	k := tm.keys
	k.Increment()
	hdr := []byte{0x0C, ins, p1, p2}
	bs := k.Cipher.BlockSize()
	var dos []byte
	if data != nil {
		ct, err := k.Encrypt(icao.Pad(data, bs))
		if err != nil {
			tm.t.Fatal(err)
		}
		if ins&1 == 1 {
			dos = icao.Encode(0x85, ct)
		} else {
			dos = icao.Encode(0x87, append([]byte{1}, ct...))
		}
	}
	if le >= 0 {
		if tm.ext {
			dos = append(dos, icao.Encode(0x97, []byte{byte(le >> 8), byte(le)})...)
		} else {
			dos = append(dos, icao.Encode(0x97, []byte{byte(le)})...)
		}
	}
	mac, _ := k.Sum(append(icao.Pad(hdr, bs), dos...))
	body := append(dos, icao.Encode(0x8E, mac)...)
	resp, sw := tm.tx(buildAPDU(hdr[0], ins, p1, p2, body, 0, tm.ext))
	k.Increment()
	if len(resp) == 0 {
		return nil, sw, nil
	}
	objs, err := icao.ParseAll(resp)
	if err != nil {
		return nil, sw, err
	}
	var macData, rmac, plain []byte
	for _, o := range objs {
		switch o.Tag {
		case 0x87, 0x85:
			macData = append(macData, o.Raw...)
			ct := o.Value
			if o.Tag == 0x87 {
				ct = ct[1:]
			}
			if plain, err = k.Decrypt(ct); err != nil {
				return nil, sw, err
			}
		case 0x99:
			macData = append(macData, o.Raw...)
			if !bytes.Equal(o.Value, []byte{byte(sw >> 8), byte(sw)}) {
				return nil, sw, fmt.Errorf("DO99 %X under SW %04X", o.Value, sw)
			}
		case 0x8E:
			rmac = o.Value
		}
	}
	if want, _ := k.Sum(macData); !bytes.Equal(want, rmac) {
		return plain, sw, errResponseMAC
	}
	return plain, sw, nil
}

func (tm *term) mustSec(ins, p1, p2 byte, data []byte, le int) []byte {
	tm.t.Helper()
	out, sw, err := tm.sec(ins, p1, p2, data, le)
	if err != nil || sw != 0x9000 {
		tm.t.Fatalf("secured %02X %02X%02X: SW %04X, %v", ins, p1, p2, sw, err)
	}
	return out
}

func (tm *term) selectApplet() {
	tm.t.Helper()
	tm.mustSec(0xA4, 0x04, 0x0C, aidMRTD, -1)
}

// readFile selects fid under secure messaging and reads it in chunks of
// chunk bytes, the first 4 bytes to learn the length.
func (tm *term) readFile(fid uint16, chunk int) ([]byte, uint16) {
	tm.t.Helper()
	if _, sw, err := tm.sec(0xA4, 0x02, 0x0C, []byte{byte(fid >> 8), byte(fid)}, -1); err != nil || sw != 0x9000 {
		if err != nil {
			tm.t.Fatal(err)
		}
		return nil, sw
	}
	head, sw, err := tm.sec(0xB0, 0, 0, nil, 4)
	if err != nil || sw != 0x9000 {
		tm.t.Fatalf("read head of %04X: %04X %v", fid, sw, err)
	}
	hl, vl, err := icao.TLVHeaderLen(head)
	if err != nil {
		tm.t.Fatal(err)
	}
	total := hl + vl
	out := head
	for len(out) < total {
		n := min(chunk, total-len(out))
		part, sw, err := tm.sec(0xB0, byte(len(out)>>8), byte(len(out)), nil, n)
		if err != nil || sw != 0x9000 || len(part) == 0 {
			tm.t.Fatalf("read %04X at %d: %04X %v", fid, len(out), sw, err)
		}
		out = append(out, part...)
	}
	return out, 0x9000
}

// testCurve is used by tests that need any curve quickly.
var testCurve = elliptic.P256()
