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

// oidDG13 stands for the object identifier real cards put in DG13's
// wrapper. It is not published where this project could confirm it: this
// one sits under a private arc, and readers must not depend on it.
var oidDG13 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 13}

// dg13 is the Vietnamese data group: numbered items SEQUENCE { INTEGER n,
// value }, in the real cards' wrapper unless the profile asks for the bare
// layout.
func dg13(p Person, prof Profile) []byte {
	letters := func(s string) []byte {
		if prof.Printable {
			// Real cards put UTF-8 bytes in PrintableStrings.
			return icao.Encode(0x13, []byte(s))
		}
		return icao.Encode(0x0C, []byte(s))
	}
	digits := func(s string) []byte { return icao.Encode(0x13, []byte(s)) } // the ID, dates, old ID
	item := func(n int, values ...[]byte) []byte { return seq(append([][]byte{derInt(n)}, values...)...) }
	expiry := letters(p.ExpiryDate.String())
	if p.ExpiryDate.IsZero() {
		expiry = letters(p.ExpiryText)
	}
	nationality := p.Nationality
	if nationality == "" {
		nationality = "Việt Nam"
	}
	name := letters(p.FullName)
	address := letters(p.Residence)
	switch prof.DG13BadUTF8 {
	case 2:
		name = icao.Encode(0x0C, latin1(p.FullName))
	case 9:
		address = icao.Encode(0x0C, latin1(p.Residence))
	}
	items := [][]byte{
		item(1, digits(p.ID)),
		item(2, name),
		item(3, digits(p.BirthDate.String())),
		item(4, letters(string(p.Sex))),
		item(5, letters(nationality)),
		item(6, letters(p.Ethnicity)),
		item(7, letters(p.Religion)),
		item(8, letters(p.PlaceOfOrigin)),
		item(9, address),
		item(10, letters(p.Marks)),
		item(11, digits(p.IssueDate.String())),
		item(12, expiry),
	}
	if prof.ParentLayout == 2 {
		items = append(items, item(13, letters(p.Father), letters(p.Mother)))
	} else {
		items = append(items, item(13, seq(letters(p.Father)), seq(letters(p.Mother))))
	}
	switch {
	case p.Spouse != "":
		items = append(items, item(14, seq(letters(p.Spouse))))
	case prof.DG13Layout == "bare":
		items = append(items, item(14, seq()))
	default:
		items = append(items, item(14)) // as real cards: the item, no value
	}
	if p.OldID != "" {
		items = append(items, item(15, digits(p.OldID)))
	}
	if prof.DG13Unknown {
		items = append(items, item(23, derInt(5)), item(31, icao.Encode(0x04, []byte{0xCA, 0xFE}), icao.Encode(0x01, []byte{0xFF})))
	}
	if prof.DG13Shuffle {
		// a fixed order unlike the numbers': the second half first
		k := len(items) / 2
		items = append(slices.Clone(items[k:]), items[:k]...)
	}
	wrap := func(items [][]byte) []byte {
		if prof.DG13Layout == "bare" {
			return icao.Encode(0x6D, seq(items...))
		}
		// not DER-sorted: cards keep their order in the SET
		return icao.Encode(0x6D, seq(derInt(1), icao.EncodeOID(oidDG13), icao.Encode(0x31, items...)))
	}
	dg := wrap(items)
	if prof.DG13Size <= len(dg) {
		return dg
	}
	// Item 16's meaning is unknown; readers must skip it. Its size is
	// corrected until the length fields stop growing.
	pad := prof.DG13Size - len(dg)
	for range 4 {
		padded := wrap(append(slices.Clone(items), item(16, icao.Encode(0x13, bytes.Repeat([]byte{'0'}, pad)))))
		if len(padded) == prof.DG13Size || pad == 0 {
			return padded
		}
		pad = max(0, pad-(len(padded)-prof.DG13Size))
		dg = padded
	}
	return dg
}

// latin1 writes s in ISO 8859-1, as a careless issuer (or a forger) might
// where UTF-8 belongs: a letter Latin-1 lacks loses its tone mark (ễ -> ê)
// or all its marks (ặ -> a), Đ becomes Ð. Any letter Latin-1 has makes the
// bytes invalid UTF-8.
func latin1(s string) []byte {
	var out []byte
	for _, r := range norm.NFC.String(s) {
		switch {
		case r <= 0xFF:
			out = append(out, byte(r))
			continue
		case r == 'Đ':
			out = append(out, 0xD0)
			continue
		case r == 'đ':
			out = append(out, 0xF0)
			continue
		}
		d := []rune(norm.NFD.String(string(r)))
		if len(d) > 1 {
			if c := []rune(norm.NFC.String(string(d[:2]))); len(c) == 1 && c[0] <= 0xFF {
				out = append(out, byte(c[0]))
				continue
			}
		}
		if d[0] <= 0xFF {
			out = append(out, byte(d[0]))
			continue
		}
		out = append(out, '?')
	}
	return out
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
	if len(items) == 3 && items[2].Tag == 0x31 { // the real cards' wrapper
		items, _ = items[2].Children()
	}
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
