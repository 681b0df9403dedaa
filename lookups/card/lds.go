package card

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"motcua/lookups"
	"motcua/lookups/card/icao"
	"motcua/lookups/vntext"
)

// ErrLDS wraps every error of the data-group parsers.
var ErrLDS = errors.New("malformed card file")

func ldsErr(what string, err error) error { return fmt.Errorf("%w: %s: %v", ErrLDS, what, err) }

// ---- EF.COM ------------------------------------------------------------

// COM is EF.COM: the LDS version and the data groups present.
type COM struct {
	LDSVersion string
	DataGroups []int // data-group numbers, in the card's order
}

var dgTags = map[byte]int{0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8, 0x69: 9, 0x6A: 10,
	0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16}

// ParseCOM decodes EF.COM (tag 60).
func ParseCOM(b []byte) (*COM, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil || t.Tag != 0x60 {
		return nil, ldsErr("EF.COM", orTag(err, t.Tag))
	}
	c := &COM{}
	if v, ok := icao.Find(t.Value, 0x5F01); ok {
		c.LDSVersion = string(v)
	}
	list, ok := icao.Find(t.Value, 0x5C)
	if !ok {
		return nil, ldsErr("EF.COM", errors.New("no tag list"))
	}
	for _, tag := range list {
		if n, ok := dgTags[tag]; ok {
			c.DataGroups = append(c.DataGroups, n)
		}
	}
	return c, nil
}

// Has reports whether data group n is listed.
func (c *COM) Has(n int) bool {
	for _, d := range c.DataGroups {
		if d == n {
			return true
		}
	}
	return false
}

func orTag(err error, tag uint32) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("unexpected tag %X", tag)
}

// ---- DG1: the MRZ ------------------------------------------------------

// MRZ is the machine-readable zone of a TD1 card (DG1), with its checks.
type MRZ struct {
	DocumentCode string
	Issuer       string
	DocNo        string // 9 characters on Vietnamese cards: the last 9 digits of the ID
	ID           string // the 12-digit personal ID in the optional data
	Birth        string // YYMMDD
	Sex          string // M, F or <
	Expiry       string // YYMMDD
	Nationality  string
	Name         string // surname and given names, ASCII, space separated
	Lines        [3]string
	BadChecks    []string // the check digits that do not verify ("document number", "birth", "expiry", "composite")
}

// Valid reports whether every check digit verified.
func (m *MRZ) Valid() bool { return len(m.BadChecks) == 0 }

// ParseDG1 decodes DG1 (61 { 5F1F MRZ }) and verifies the TD1 check digits.
func ParseDG1(b []byte) (*MRZ, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil || t.Tag != 0x61 {
		return nil, ldsErr("DG1", orTag(err, t.Tag))
	}
	v, ok := icao.Find(t.Value, 0x5F1F)
	if !ok {
		return nil, ldsErr("DG1", errors.New("no MRZ"))
	}
	return ParseTD1(string(v))
}

// ParseTD1 decodes a 90-character TD1 MRZ (line breaks tolerated).
func ParseTD1(s string) (*MRZ, error) {
	s = strings.NewReplacer("\n", "", "\r", "", " ", "").Replace(s)
	if len(s) != 90 {
		return nil, ldsErr("DG1", fmt.Errorf("MRZ of %d characters, want 90 (TD1)", len(s)))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '<') {
			return nil, ldsErr("DG1", fmt.Errorf("character %q at %d", c, i))
		}
	}
	l1, l2, l3 := s[:30], s[30:60], s[60:]
	m := &MRZ{Lines: [3]string{l1, l2, l3}, DocumentCode: strings.TrimRight(l1[:2], "<"), Issuer: strings.Trim(l1[2:5], "<"),
		Birth: l2[0:6], Sex: l2[7:8], Expiry: l2[8:14], Nationality: strings.Trim(l2[15:18], "<")}
	docNo, docCD := l1[5:14], l1[14]
	opt := l1[15:30]
	if docCD == '<' { // long document number continues in the optional data
		end := strings.IndexByte(opt, '<')
		if end > 0 {
			docNo += opt[:end-1]
			docCD = opt[end-1]
			opt = opt[end+1:]
		}
	}
	m.DocNo = strings.TrimRight(docNo, "<")
	check := func(name, field string, cd byte) {
		d, ok := icao.CheckDigit(field)
		if !ok || d != cd {
			m.BadChecks = append(m.BadChecks, name)
		}
	}
	check("document number", docNo, docCD)
	check("birth", l2[0:6], l2[6])
	check("expiry", l2[8:14], l2[14])
	check("composite", l1[5:30]+l2[0:7]+l2[8:15]+l2[18:29], l2[29])
	// Vietnamese cards: the 12-digit ID opens the optional data
	if id := strings.TrimRight(opt, "<"); len(id) >= 12 && allDigits(id[:12]) {
		m.ID = id[:12]
	}
	m.Name = strings.Join(strings.Fields(strings.ReplaceAll(l3, "<", " ")), " ")
	return m, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ---- DG13: the Vietnamese data -----------------------------------------

// Identity is the holder's data from DG13 (with DG1 when read).
type Identity struct {
	lookups.Citizen
	Marks  string `json:"marks,omitempty"` // identifying marks (2021 cards)
	Father string `json:"father,omitempty"`
	Mother string `json:"mother,omitempty"`
	Spouse string `json:"spouse,omitempty"`
	// Unknown lists item numbers the parser did not recognise (kept for the
	// next layout change, never their values).
	Unknown []int `json:"unknownItems,omitempty"`
}

// ParseDG13 decodes DG13 defensively: tag 6D, items SEQUENCE { INTEGER n,
// value } found at any depth, strings of either type, missing and unknown
// items tolerated. Only the structure must be well-formed BER.
func ParseDG13(b []byte) (*Identity, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil || t.Tag != 0x6D {
		return nil, ldsErr("DG13", orTag(err, t.Tag))
	}
	items := map[int][]string{}
	var order []int
	var walk func(v []byte, depth int) error
	walk = func(v []byte, depth int) error {
		if depth > 8 {
			return errors.New("nested too deep")
		}
		objs, err := icao.ParseAll(v)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if !o.Constructed() {
				continue
			}
			kids, err := o.Children()
			if err != nil {
				return err
			}
			if len(kids) > 0 && kids[0].Tag == 0x02 && len(kids[0].Value) >= 1 && len(kids[0].Value) <= 2 {
				n := 0
				for _, c := range kids[0].Value {
					n = n<<8 | int(c)
				}
				if _, seen := items[n]; !seen {
					order = append(order, n)
				}
				var strs []string
				for _, k := range kids[1:] {
					collectStrings(k, &strs, 0)
				}
				items[n] = append(items[n], strs...)
				continue
			}
			if err := walk(o.Value, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(t.Value, 0); err != nil {
		return nil, ldsErr("DG13", err)
	}
	if len(items) == 0 {
		return nil, ldsErr("DG13", errors.New("no items"))
	}
	first := func(n int) string {
		if v := items[n]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	id := &Identity{}
	c := &id.Citizen
	c.ID = first(1)
	c.FullName = first(2)
	if d, err := lookups.ParseDate(first(3)); err == nil {
		c.BirthDate = d
	} else if y := first(3); len(y) == 4 && allDigits(y) { // year only, as some birth records are
		yy, _ := strconv.Atoi(y)
		c.BirthDate = lookups.Date{Year: yy}
	}
	switch sx := vntext.FoldTone(first(4)); {
	case strings.EqualFold(sx, "Nam"):
		c.Sex = lookups.Male
	case strings.EqualFold(sx, "Nữ"):
		c.Sex = lookups.Female
	}
	c.Nationality = first(5)
	c.Ethnicity = first(6)
	c.Religion = first(7)
	c.PlaceOfOrigin = first(8)
	c.CardAddress = first(9)
	id.Marks = first(10)
	if d, err := lookups.ParseDate(first(11)); err == nil {
		c.IssueDate = d
	}
	if d, err := lookups.ParseDate(first(12)); err == nil {
		c.ExpiryDate = d
	} else {
		c.ExpiryText = first(12)
	}
	if p := items[13]; len(p) > 0 {
		id.Father = p[0]
		if len(p) > 1 {
			id.Mother = p[1]
		}
	}
	id.Spouse = first(14)
	c.OldID = first(15)
	for _, n := range order {
		if n < 1 || n > 16 {
			id.Unknown = append(id.Unknown, n)
		}
	}
	return id, nil
}

// collectStrings appends every string found under o, depth first.
func collectStrings(o icao.TLV, out *[]string, depth int) {
	if depth > 8 {
		return
	}
	switch o.Tag {
	case 0x0C, 0x13, 0x14, 0x16, 0x1A, 0x04: // UTF8, Printable, T61, IA5, Visible, OCTET STRING
		*out = append(*out, cardString(o.Value))
		return
	case 0x1E: // BMPString
		*out = append(*out, bmpString(o.Value))
		return
	}
	if o.Constructed() {
		kids, err := o.Children()
		if err != nil {
			return
		}
		for _, k := range kids {
			collectStrings(k, out, depth+1)
		}
	}
}

// cardString decodes a card string: UTF-8 whatever the tag says (cards put
// UTF-8 in PrintableString), Latin-1 as a last resort, NFC, trimmed.
func cardString(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		s = string(r)
	}
	return vntext.Clean(strings.Trim(s, "\x00"))
}

func bmpString(b []byte) string {
	r := make([]rune, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		r = append(r, rune(b[i])<<8|rune(b[i+1]))
	}
	return vntext.Clean(string(r))
}

// ---- DG2: the face -----------------------------------------------------

// Face is the portrait of DG2.
type Face struct {
	Format string // "JPEG" or "JPEG 2000"
	Data   []byte
}

// Extension is the usual file extension of the image.
func (f *Face) Extension() string {
	if f.Format == "JPEG 2000" {
		return ".jp2"
	}
	return ".jpg"
}

// ParseDG2 finds the face image in DG2 (75 { 7F61 { 7F60 { 5F2E|7F2E } } })
// and tells JPEG from JPEG 2000 by its signature.
func ParseDG2(b []byte) (*Face, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil || t.Tag != 0x75 {
		return nil, ldsErr("DG2", orTag(err, t.Tag))
	}
	block := findTag(t.Value, 0x5F2E, 0)
	if block == nil {
		block = findTag(t.Value, 0x7F2E, 0)
	}
	if block == nil {
		return nil, ldsErr("DG2", errors.New("no biometric data block"))
	}
	for _, sig := range []struct {
		magic  []byte
		format string
	}{
		{[]byte{0xFF, 0xD8, 0xFF}, "JPEG"},
		{[]byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}, "JPEG 2000"},
		{[]byte{0xFF, 0x4F, 0xFF, 0x51}, "JPEG 2000"},
	} {
		if i := bytes.Index(block, sig.magic); i >= 0 {
			return &Face{Format: sig.format, Data: block[i:]}, nil
		}
	}
	return nil, ldsErr("DG2", errors.New("no JPEG or JPEG 2000 image"))
}

func findTag(b []byte, tag uint32, depth int) []byte {
	if depth > 8 {
		return nil
	}
	objs, _ := icao.ParseAll(b)
	for _, o := range objs {
		if o.Tag == tag {
			return o.Value
		}
		if o.Constructed() {
			if v := findTag(o.Value, tag, depth+1); v != nil {
				return v
			}
		}
	}
	return nil
}

// ---- SecurityInfos: EF.CardAccess and DG14 -----------------------------

// SecurityInfos is what EF.CardAccess or DG14 announce.
type SecurityInfos struct {
	PACE     []PACEInfo
	ChipAuth []CAInfo
	ChipKeys []CAKey
	AASigAlg asn1.ObjectIdentifier // from ActiveAuthenticationInfo (ECDSA AA)
	TA       bool
	Unknown  int // entries not recognised
}

// CAInfo is a ChipAuthenticationInfo.
type CAInfo struct {
	Protocol asn1.ObjectIdentifier
	Version  int
	KeyID    int // -1 when absent
}

// CAKey is a ChipAuthenticationPublicKeyInfo (ECDH keys only).
type CAKey struct {
	Curve elliptic.Curve
	Point icao.Point
	KeyID int // -1 when absent
}

type securityInfo struct {
	Protocol asn1.ObjectIdentifier
	Rest     []asn1.RawValue // the elements after the protocol
}

// parseSecurityInfo splits SEQUENCE { OID, ... } into its protocol and the
// raw elements that follow it.
func parseSecurityInfo(b []byte) (securityInfo, error) {
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(b, &seq); err != nil {
		return securityInfo{}, err
	}
	if seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return securityInfo{}, errors.New("not a SEQUENCE")
	}
	var si securityInfo
	rest, err := asn1.Unmarshal(seq.Bytes, &si.Protocol)
	if err != nil {
		return securityInfo{}, err
	}
	for len(rest) > 0 {
		var r asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &r); err != nil {
			return securityInfo{}, err
		}
		si.Rest = append(si.Rest, r)
	}
	return si, nil
}

// ParseSecurityInfos decodes a DER SET OF SecurityInfo (EF.CardAccess
// directly, DG14 inside its 6E tag).
func ParseSecurityInfos(b []byte) (*SecurityInfos, error) {
	if len(b) > 0 && b[0] == 0x6E {
		t, _, err := icao.ParseTLV(b)
		if err != nil {
			return nil, ldsErr("DG14", err)
		}
		b = t.Value
	}
	var set []asn1.RawValue
	if _, err := asn1.UnmarshalWithParams(b, &set, "set"); err != nil {
		return nil, ldsErr("SecurityInfos", err)
	}
	out := &SecurityInfos{}
	for _, raw := range set {
		si, err := parseSecurityInfo(raw.FullBytes)
		if err != nil || len(si.Protocol) == 0 {
			out.Unknown++
			continue
		}
		p := si.Protocol
		switch {
		case hasPrefix(p, icao.OIDPACE):
			info := PACEInfo{Protocol: p}
			if len(si.Rest) > 0 {
				info.Version = intOf(si.Rest[0])
			}
			if len(si.Rest) > 1 {
				info.ParamID = intOf(si.Rest[1])
			}
			out.PACE = append(out.PACE, info)
		case hasPrefix(p, icao.OIDPKECDH) && len(p) == len(icao.OIDPKECDH):
			key, err := parseCAKey(si.Rest)
			if err != nil {
				out.Unknown++
				continue
			}
			out.ChipKeys = append(out.ChipKeys, key)
		case hasPrefix(p, icao.OIDCA) && len(p) > len(icao.OIDCA)+1:
			info := CAInfo{Protocol: p, KeyID: -1}
			if len(si.Rest) > 0 {
				info.Version = intOf(si.Rest[0])
			}
			if len(si.Rest) > 1 {
				info.KeyID = intOf(si.Rest[1])
			}
			out.ChipAuth = append(out.ChipAuth, info)
		case hasPrefix(p, icao.OIDTA):
			out.TA = true
		case p.Equal(icao.OIDAA):
			if len(si.Rest) > 1 {
				var alg asn1.ObjectIdentifier
				if _, err := asn1.Unmarshal(si.Rest[1].FullBytes, &alg); err == nil {
					out.AASigAlg = alg
				}
			}
		default:
			out.Unknown++
		}
	}
	return out, nil
}

func hasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) >= len(prefix) && oid[:len(prefix)].Equal(prefix)
}

func intOf(r asn1.RawValue) int {
	var n int
	if _, err := asn1.Unmarshal(r.FullBytes, &n); err != nil {
		return -1
	}
	return n
}

type spki struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

type ecParameters struct {
	Version int
	FieldID struct {
		Type  asn1.ObjectIdentifier
		Prime *big.Int
	}
	Curve struct {
		A, B []byte
		Seed asn1.BitString `asn1:"optional"`
	}
	Base     []byte
	Order    *big.Int
	Cofactor int `asn1:"optional"`
}

func parseCAKey(rest []asn1.RawValue) (CAKey, error) {
	if len(rest) == 0 {
		return CAKey{}, errors.New("no key")
	}
	var k spki
	if _, err := asn1.Unmarshal(rest[0].FullBytes, &k); err != nil {
		return CAKey{}, err
	}
	key := CAKey{KeyID: -1}
	if len(rest) > 1 {
		key.KeyID = intOf(rest[1])
	}
	curve, err := curveOfParams(k.Algorithm.Parameters)
	if err != nil {
		return CAKey{}, err
	}
	p, err := icao.ParsePoint(curve, k.PublicKey.RightAlign())
	if err != nil {
		return CAKey{}, err
	}
	key.Curve, key.Point = curve, p
	return key, nil
}

// curveOfParams reads EC domain parameters given as a named curve, a
// standardized parameter ID, or explicitly.
func curveOfParams(params asn1.RawValue) (elliptic.Curve, error) {
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(params.FullBytes, &oid); err == nil {
		return icao.CurveByOID(oid)
	}
	var id int
	if _, err := asn1.Unmarshal(params.FullBytes, &id); err == nil {
		return icao.CurveByParamID(id)
	}
	var ep ecParameters
	if _, err := asn1.Unmarshal(params.FullBytes, &ep); err != nil {
		return nil, fmt.Errorf("domain parameters: %v", err)
	}
	if ep.FieldID.Prime == nil || len(ep.Base) < 3 {
		return nil, errors.New("explicit parameters without prime or base")
	}
	n := (len(ep.Base) - 1) / 2
	return icao.CurveByPrime(ep.FieldID.Prime.Bytes(), ep.Base[1:1+n])
}

// ---- DG15: the active-authentication key ------------------------------

// ParseDG15 returns the active-authentication public key: *rsa.PublicKey or
// *ecdsa.PublicKey (NIST or brainpool curves).
func ParseDG15(b []byte) (crypto.PublicKey, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil || t.Tag != 0x6F {
		return nil, ldsErr("DG15", orTag(err, t.Tag))
	}
	if pub, err := x509.ParsePKIXPublicKey(t.Value); err == nil {
		return pub, nil
	}
	var k spki
	if _, err := asn1.Unmarshal(t.Value, &k); err != nil {
		return nil, ldsErr("DG15", err)
	}
	if !k.Algorithm.Algorithm.Equal(icao.OIDECPublicKey) {
		return nil, ldsErr("DG15", fmt.Errorf("key algorithm %s", k.Algorithm.Algorithm))
	}
	curve, err := curveOfParams(k.Algorithm.Parameters)
	if err != nil {
		return nil, ldsErr("DG15", err)
	}
	p, err := icao.ParsePoint(curve, k.PublicKey.RightAlign())
	if err != nil {
		return nil, ldsErr("DG15", err)
	}
	return &ecdsa.PublicKey{Curve: curve, X: p.X, Y: p.Y}, nil
}
