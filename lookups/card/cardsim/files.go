package cardsim

import (
	"bytes"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"motcua/lookups"
	"motcua/lookups/card/icao"
)

// DER building blocks.
func derInt(n int) []byte        { return icao.Encode(0x02, []byte{byte(n)}) } // 0 <= n < 128
func seq(parts ...[]byte) []byte { return icao.Encode(0x30, parts...) }

// derSet encodes a SET OF with its elements in DER order (sorted encodings).
func derSet(elems ...[]byte) []byte {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	return icao.Encode(0x31, sorted...)
}

// cardAccess builds EF.CardAccess: the PACE protocol and, with chip
// authentication, its ChipAuthenticationInfo.
func cardAccess(paramID int, withCA bool) []byte {
	infos := [][]byte{seq(icao.EncodeOID(oidPACE), derInt(2), derInt(paramID))}
	if withCA {
		infos = append(infos, seq(icao.EncodeOID(oidCA), derInt(1)))
	}
	return derSet(infos...)
}

// paceParamOf reads the domain parameter ID of the first generic-mapping
// PACEInfo in EF.CardAccess.
func paceParamOf(cardAccess []byte) (int, bool) {
	set, _, err := icao.ParseTLV(cardAccess)
	if err != nil || set.Tag != 0x31 {
		return 0, false
	}
	infos, _ := set.Children()
	for _, info := range infos {
		f, err := info.Children()
		if err != nil || len(f) < 3 || f[0].Tag != 0x06 || !bytes.Equal(f[0].Value, oidValue(oidPACE)) {
			continue
		}
		if f[2].Tag == 0x02 && len(f[2].Value) == 1 {
			return int(f[2].Value[0]), true
		}
	}
	return 0, false
}

// dgTags are the LDS tags of the data groups this chip may hold.
var dgTags = map[int]byte{1: 0x61, 2: 0x75, 3: 0x63, 13: 0x6D, 14: 0x6E, 15: 0x6F}

// efCOM lists LDS version 1.7, Unicode 4.0.0 and the data groups present.
func efCOM(dgs map[int][]byte) []byte {
	var list []byte
	for _, n := range slices.Sorted(maps.Keys(dgs)) {
		list = append(list, dgTags[n])
	}
	return icao.Encode(0x60, icao.Encode(0x5F01, []byte("0107")), icao.Encode(0x5F36, []byte("040000")), icao.Encode(0x5C, list))
}

// mrzDate writes a date as YYMMDD; unknown month or day become "<<", as on
// documents of people whose exact birth date is not recorded.
func mrzDate(d lookups.Date) string {
	two := func(n int) string {
		if n <= 0 {
			return "<<"
		}
		return fmt.Sprintf("%02d", n%100)
	}
	if d.IsZero() {
		return "<<<<<<"
	}
	return fmt.Sprintf("%02d", (d.Year%100+100)%100) + two(int(d.Month)) + two(d.Day)
}

// asciiFold removes Vietnamese diacritics: NFD, drop combining marks; Đ has
// no decomposition and is mapped by hand.
func asciiFold(s string) string {
	s = strings.NewReplacer("Đ", "D", "đ", "d").Replace(s)
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

// mrzName writes a full name as the MRZ name field: surname (the first word
// of a Vietnamese name) << given names separated by <, padded to 30.
func mrzName(full string) string {
	words := strings.Fields(strings.ToUpper(asciiFold(full)))
	clean := func(w string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r
			}
			return '<'
		}, w)
	}
	var name string
	if len(words) > 0 {
		name = clean(words[0]) + "<<"
		for i, w := range words[1:] {
			if i > 0 {
				name += "<"
			}
			name += clean(w)
		}
	}
	return padMRZ(name, 30)
}

func padMRZ(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s + strings.Repeat("<", n-len(s))
}

func checkDigit(s string) string {
	d, ok := icao.CheckDigit(s)
	if !ok {
		return "<"
	}
	return string(d)
}

// mrzLines builds the three TD1 lines.
func mrzLines(p Person, docNo, birth, expiry string) [3]string {
	l1 := "IDVNM" + docNo + checkDigit(docNo) + p.ID + "<<" + checkDigit(p.ID)
	sex := "<"
	switch p.Sex {
	case lookups.Male:
		sex = "M"
	case lookups.Female:
		sex = "F"
	}
	l2 := birth + checkDigit(birth) + sex + expiry + checkDigit(expiry) + "VNM" + strings.Repeat("<", 11)
	l2 += checkDigit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
	return [3]string{l1, l2, mrzName(p.FullName)}
}

// dg1 holds the MRZ.
func dg1(p Person, docNo, birth, expiry string) []byte {
	l := mrzLines(p, docNo, birth, expiry)
	return icao.Encode(0x61, icao.Encode(0x5F1F, []byte(l[0]+l[1]+l[2])))
}

// dg3 is a biometric group template with no fingerprint in it: the file
// exists (and is hashed in the SOD) but only EAC could read it.
func dg3() []byte {
	return icao.Encode(0x63, icao.Encode(0x7F61, derInt(0)))
}

// dg13 is the Vietnamese data group: numbered items SEQUENCE { INTEGER n, value }.
func dg13(p Person, prof Profile) []byte {
	str := func(s string) []byte {
		if prof.Printable {
			// Real cards put UTF-8 bytes in PrintableStrings.
			return icao.Encode(0x13, []byte(s))
		}
		return icao.Encode(0x0C, []byte(s))
	}
	item := func(n int, values ...[]byte) []byte { return seq(append([][]byte{derInt(n)}, values...)...) }
	expiry := p.ExpiryDate.String()
	if p.ExpiryDate.IsZero() {
		expiry = p.ExpiryText
	}
	nationality := p.Nationality
	if nationality == "" {
		nationality = "Việt Nam"
	}
	items := [][]byte{
		item(1, str(p.ID)),
		item(2, str(p.FullName)),
		item(3, str(p.BirthDate.String())),
		item(4, str(string(p.Sex))),
		item(5, str(nationality)),
		item(6, str(p.Ethnicity)),
		item(7, str(p.Religion)),
		item(8, str(p.PlaceOfOrigin)),
		item(9, str(p.Residence)),
		item(10, str(p.Marks)),
		item(11, str(p.IssueDate.String())),
		item(12, str(expiry)),
	}
	if prof.ParentLayout == 2 {
		items = append(items, item(13, str(p.Father), str(p.Mother)))
	} else {
		items = append(items, item(13, seq(str(p.Father)), seq(str(p.Mother))))
	}
	if p.Spouse != "" {
		items = append(items, item(14, str(p.Spouse)))
	} else {
		items = append(items, item(14, seq()))
	}
	if p.OldID != "" {
		items = append(items, item(15, str(p.OldID)))
	}
	dg := icao.Encode(0x6D, seq(items...))
	if prof.DG13Size <= len(dg) {
		return dg
	}
	// Item 16's meaning is unknown; readers must skip it. Its size is
	// corrected until the length fields stop growing.
	pad := prof.DG13Size - len(dg)
	for range 4 {
		padded := icao.Encode(0x6D, seq(append(items, item(16, icao.Encode(0x04, make([]byte, pad))))...))
		if len(padded) == prof.DG13Size || pad == 0 {
			return padded
		}
		pad = max(0, pad-(len(padded)-prof.DG13Size))
		dg = padded
	}
	return dg
}

// tamperDG13 changes one letter of the full name (item 2) in place.
func tamperDG13(dg []byte) {
	outer, _, err := icao.ParseTLV(dg)
	if err != nil {
		return
	}
	list, _, err := icao.ParseTLV(outer.Value)
	if err != nil {
		return
	}
	items, _ := list.Children()
	for _, it := range items {
		f, err := it.Children()
		if err != nil || len(f) < 2 || !bytes.Equal(f[0].Value, []byte{2}) {
			continue
		}
		for i, b := range f[1].Value {
			if b >= 'A' && b <= 'Y' || b >= 'a' && b <= 'y' {
				f[1].Value[i] = b + 1 // Value aliases dg
				return
			}
		}
		if len(f[1].Value) > 0 {
			f[1].Value[0] ^= 0x01
			return
		}
	}
	dg[len(dg)-1] ^= 0x01 // no name: alter the last byte
}

// dg14 holds the chip-authentication public key and, for an ECDSA active
// authentication key, the signature algorithm AA uses. ok is false when
// there is nothing to put in it.
func dg14(curve elliptic.Curve, caPub []byte, aaECDSA bool, size int) (dg []byte, ok bool, err error) {
	var infos [][]byte
	if caPub != nil {
		curveOID, err := icao.CurveOID(curve)
		if err != nil {
			return nil, false, err
		}
		spki := seq(seq(icao.EncodeOID(icao.OIDECPublicKey), icao.EncodeOID(curveOID)), icao.Encode(0x03, append([]byte{0}, caPub...)))
		infos = append(infos,
			seq(icao.EncodeOID(oidCA), derInt(1)),
			seq(icao.EncodeOID(icao.OIDPKECDH), spki))
	}
	if aaECDSA {
		infos = append(infos, seq(icao.EncodeOID(icao.OIDAA), derInt(1), icao.EncodeOID(icao.OIDECDSAPlainSHA256)))
	}
	if len(infos) == 0 {
		return nil, false, nil
	}
	dg = icao.Encode(0x6E, derSet(infos...))
	if pad := size - len(dg) - 20; pad > 0 {
		// a SecurityInfo of a protocol the reader does not know (terminal
		// authentication data on real cards), which it must skip
		infos = append(infos, seq(icao.EncodeOID(oidPadding), icao.Encode(0x04, make([]byte, pad))))
		dg = icao.Encode(0x6E, derSet(infos...))
	}
	return dg, true, nil
}

// oidPadding is a private-arc identifier no reader knows (size padding).
var oidPadding = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}

// dg15 holds the active-authentication public key.
func dg15(pub any) ([]byte, error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("cardsim: DG15: %w", err)
	}
	return icao.Encode(0x6F, spki), nil
}
