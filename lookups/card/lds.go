package card

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	"motcua/lookups/card/icao"
)

// ErrLDS wraps every error of the data-group parsers.
var ErrLDS = errors.New("malformed card file")

// FileError is a card file that does not parse: File names it ("EF.COM",
// "DG13"), Err is the cause (English, never the file's data).
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%v: %s: %v", ErrLDS, e.File, e.Err) }

// Is makes every FileError match ErrLDS.
func (e *FileError) Is(target error) bool { return target == ErrLDS }

func (e *FileError) Unwrap() error { return e.Err }

func ldsErr(what string, err error) error { return &FileError{File: what, Err: err} }

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
	DocumentCode string    `json:"documentCode"`
	Issuer       string    `json:"issuer"`
	DocNo        string    `json:"docNo"`  // 9 characters on Vietnamese cards: the last 9 digits of the ID
	ID           string    `json:"id"`     // the 12-digit personal ID in the optional data
	Birth        string    `json:"birth"`  // YYMMDD
	Sex          string    `json:"sex"`    // M, F or <
	Expiry       string    `json:"expiry"` // YYMMDD
	Nationality  string    `json:"nationality"`
	Name         string    `json:"name"` // surname and given names, ASCII, space separated
	Lines        [3]string `json:"lines"`
	// BadChecks names the check digits that do not verify ("document
	// number", "birth", "expiry", "composite"); empty, never null, when all do.
	BadChecks []string `json:"badChecks"`
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
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && c != '<' {
			return nil, ldsErr("DG1", fmt.Errorf("character %q at %d", c, i))
		}
	}
	l1, l2, l3 := s[:30], s[30:60], s[60:]
	m := &MRZ{Lines: [3]string{l1, l2, l3}, BadChecks: []string{}, DocumentCode: strings.TrimRight(l1[:2], "<"), Issuer: strings.Trim(l1[2:5], "<"),
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
	raw := k.PublicKey.RightAlign()
	if pub, err := ecdsa.ParseUncompressedPublicKey(curve, raw); err == nil {
		return pub, nil // a NIST curve named by a parameter ID or by explicit parameters
	}
	p, err := icao.ParsePoint(curve, raw)
	if err != nil {
		return nil, ldsErr("DG15", err)
	}
	return &ecdsa.PublicKey{Curve: curve, X: p.X, Y: p.Y}, nil //nolint:staticcheck // brainpool: ParseUncompressedPublicKey takes only NIST curves, the coordinates are the only way
}
