package card

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"motcua/lookups/card/icao"
	"time"

	"github.com/smallstep/pkcs7"
)

// SOD is the parsed document security object.
type SOD struct {
	HashAlg     crypto.Hash
	Hashes      map[int][]byte // data-group number -> hash
	Signer      *x509.Certificate
	SigningTime time.Time // zero when the SOD carries none
	p7          *pkcs7.PKCS7
}

type ldsSecurityObject struct {
	Version int
	HashAlg pkix.AlgorithmIdentifier
	Hashes  []struct {
		DG   int
		Hash []byte
	}
}

var (
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

func hashOf(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA1):
		return crypto.SHA1, nil
	case oid.Equal(oidSHA224):
		return crypto.SHA224, nil
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("hash algorithm %s", oid)
}

// ParseSOD decodes EF.SOD (77 { CMS SignedData { LDSSecurityObject } }).
// It checks structure only; Verify checks the signature.
func ParseSOD(b []byte) (*SOD, error) {
	t, _, err := icao.ParseTLV(b)
	if err != nil || t.Tag != 0x77 {
		return nil, ldsErr("EF.SOD", orTag(err, t.Tag))
	}
	p7, err := parsePKCS7(t.Value)
	if err != nil {
		return nil, ldsErr("EF.SOD", err)
	}
	var lso ldsSecurityObject
	if _, err := asn1.Unmarshal(p7.Content, &lso); err != nil {
		return nil, ldsErr("EF.SOD", fmt.Errorf("LDS security object: %v", err))
	}
	h, err := hashOf(lso.HashAlg.Algorithm)
	if err != nil {
		return nil, ldsErr("EF.SOD", err)
	}
	s := &SOD{HashAlg: h, Hashes: map[int][]byte{}, p7: p7, Signer: p7.GetOnlySigner()}
	for _, e := range lso.Hashes {
		s.Hashes[e.DG] = e.Hash
	}
	var st time.Time
	if err := p7.UnmarshalSignedAttribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}, &st); err == nil {
		s.SigningTime = st
	}
	return s, nil
}

// parsePKCS7 shields the reader from a panic in the CMS library on hostile input.
func parsePKCS7(b []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			p7, err = nil, fmt.Errorf("CMS structure: %v", r)
		}
	}()
	p7, err = pkcs7.Parse(b)
	if err == nil && len(p7.Content) == 0 {
		err = errors.New("CMS without content")
	}
	return p7, err
}

// HashFile returns the hash of a data group file under the SOD's algorithm.
func (s *SOD) HashFile(b []byte) []byte {
	h := s.HashAlg.New()
	h.Write(b)
	return h.Sum(nil)
}

// CheckSignature verifies the CMS signature with the document signer's
// certificate carried in the SOD.
func (s *SOD) CheckSignature() (err error) {
	if s.Signer == nil {
		return errors.New("the SOD names no single document signer")
	}
	return verifyCMS(s.p7)
}

// verifyCMS checks a CMS signature with the signer's certificate, shielded
// from a panic of the library on hostile input.
func verifyCMS(p7 *pkcs7.PKCS7) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("CMS signature: %v", r)
		}
	}()
	return p7.Verify()
}

// loadSOD reads and parses EF.SOD. A chip that will not give it, or an
// EF.SOD that does not parse, fails passive authentication (the read goes
// on, with EF.COM's list of groups); only a session error ends the read.
func (rd *reading) loadSOD(ctx context.Context) error {
	raw, err := rd.readEF(ctx, FIDSOD, "EF.SOD")
	if _, ok := SW(err); ok {
		rd.res.Passive, rd.res.PassiveNote = Failed, "Chip không cho đọc EF.SOD (chữ ký số của dữ liệu)."
		return nil
	}
	if err != nil {
		if rd.chipFailed(err) {
			return nil
		}
		return err
	}
	sod, err := ParseSOD(raw)
	if err != nil {
		rd.res.Passive, rd.res.PassiveNote = Failed, "EF.SOD hỏng hoặc không đúng cấu trúc."
		rd.logf("EF.SOD does not parse: %v", err)
		return nil
	}
	rd.sod = sod
	if sod.Signer != nil {
		rd.res.Signer = sod.Signer.Subject.String()
	}
	return nil
}

// passive runs passive authentication: the SOD's signature, its signer's
// chain to a trusted CSCA, every data group read against its hash, and
// every group the SOD lists present (but those behind extended access
// control, and the portrait, read after).
func (rd *reading) passive() {
	sod := rd.sod
	if sod != nil {
		if err := sod.CheckSignature(); err != nil {
			rd.logf("EF.SOD signature does not verify: %v", err)
			if rd.res.Passive != Failed {
				rd.res.Passive, rd.res.PassiveNote = Failed, "Chữ ký số trên EF.SOD không hợp lệ."
			}
		} else {
			rd.signed = true
		}
	}
	rd.checkHashes()
	if sod == nil || rd.res.Passive == Failed {
		return
	}
	if len(rd.unreadable) > 0 {
		rd.res.Passive = Failed
		rd.res.PassiveNote = fmt.Sprintf("Chip không cho đọc DG%d dù EF.SOD liệt kê (dữ liệu trên chip không đầy đủ).", rd.unreadable[0])
		return
	}
	// The chain is checked when the data were signed: at the SOD's signing
	// time, or, without one, within the document signer's validity (from
	// its start: the CSCA issued it then), never today's date, which a
	// genuine card outlives.
	var err error
	if at := sod.SigningTime; !at.IsZero() {
		err = rd.opt.Trust.chains(sod.Signer, at)
	} else if err = rd.opt.Trust.chains(sod.Signer, sod.Signer.NotBefore); errors.Is(err, ErrChainTime) {
		err = rd.opt.Trust.chains(sod.Signer, sod.Signer.NotAfter.Add(-time.Second))
	}
	switch {
	case err == nil:
		rd.res.Passive = Passed
	case errors.Is(err, ErrRevoked):
		rd.logf("document signer %s serial %s revoked", sod.Signer.Subject, sod.Signer.SerialNumber)
		rd.res.Passive = Failed
		rd.res.PassiveNote = "Chứng thư ký dữ liệu (DS) của thẻ đã bị cơ quan cấp thu hồi (CRL): không tin dữ liệu của thẻ này."
	case errors.Is(err, ErrChainTime):
		rd.logf("chain not valid when signed: %v", err)
		rd.res.Passive = Failed
		rd.res.PassiveNote = "Chứng thư ký dữ liệu không còn hiệu lực vào thời điểm ký dữ liệu trên chip."
	default:
		rd.logf("document signer does not chain: %v", err)
		rd.res.Passive = Untrusted
		rd.res.PassiveNote = "Chữ ký hợp lệ nhưng chứng thư CSCA của cơ quan cấp chưa có trong kho tin cậy."
	}
}

// checkHashes checks every data group read and not yet checked against
// the hash EF.SOD signs for it; without a valid signature there is nothing
// to check against.
func (rd *reading) checkHashes() {
	for n, b := range rd.files {
		if rd.res.Files[n] != Pending {
			continue
		}
		if !rd.signed {
			rd.res.Files[n] = NotChecked
			continue
		}
		want, ok := rd.sod.Hashes[n]
		if ok && string(rd.sod.HashFile(b)) == string(want) {
			rd.res.Files[n] = Passed
			continue
		}
		rd.res.Files[n] = Failed
		rd.res.Passive = Failed
		rd.res.PassiveNote = fmt.Sprintf("Dữ liệu DG%d trên chip không khớp chữ ký số (dữ liệu bị sửa).", n)
		switch n {
		case 14:
			rd.res.Chip, rd.res.ChipNote = Failed, "Khóa xác thực chip (DG14) không được ký hợp lệ."
		case 15:
			rd.res.Active, rd.res.ActiveNote = Failed, "Khóa xác thực chủ động (DG15) không được ký hợp lệ."
		}
	}
}
