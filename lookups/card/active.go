package card

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"motcua/lookups/card/icao"
)

// activeAuth sends INTERNAL AUTHENTICATE with a fresh challenge and checks
// the signature with the DG15 key: a cloned chip has the data but not the key.
func (s *session) activeAuth(ctx context.Context, pub crypto.PublicKey, sigAlg asn1.ObjectIdentifier, rnd io.Reader) error {
	challenge := make([]byte, 8)
	if _, err := io.ReadFull(rnd, challenge); err != nil {
		return err
	}
	sig, err := s.send(ctx, Command{INS: 0x88, Data: challenge, Ne: 256}, "internal authenticate")
	if err != nil {
		return err
	}
	return checkAA(pub, sigAlg, challenge, sig)
}

// checkAA verifies an active-authentication signature over challenge.
func checkAA(pub crypto.PublicKey, sigAlg asn1.ObjectIdentifier, challenge, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return checkISO9796(k, challenge, sig)
	case *ecdsa.PublicKey:
		var hashes []crypto.Hash
		switch {
		case sigAlg.Equal(icao.OIDECDSAPlainSHA1):
			hashes = []crypto.Hash{crypto.SHA1}
		case sigAlg.Equal(icao.OIDECDSAPlainSHA224):
			hashes = []crypto.Hash{crypto.SHA224}
		case sigAlg.Equal(icao.OIDECDSAPlainSHA256):
			hashes = []crypto.Hash{crypto.SHA256}
		case sigAlg.Equal(icao.OIDECDSAPlainSHA384):
			hashes = []crypto.Hash{crypto.SHA384}
		case sigAlg.Equal(icao.OIDECDSAPlainSHA512):
			hashes = []crypto.Hash{crypto.SHA512}
		default: // DG14 did not say: try the usual ones
			hashes = []crypto.Hash{crypto.SHA256, crypto.SHA1, crypto.SHA384, crypto.SHA512}
		}
		n := (k.Curve.Params().BitSize + 7) / 8
		for _, h := range hashes {
			d := digest(h, challenge)
			if len(sig) == 2*n {
				r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
				if ecdsa.Verify(k, d, r, s) {
					return nil
				}
			} else if ecdsa.VerifyASN1(k, d, sig) {
				return nil
			}
		}
		return errors.New("active authentication: ECDSA signature does not verify")
	}
	return fmt.Errorf("active authentication: key type %T", pub)
}

func digest(h crypto.Hash, b []byte) []byte {
	switch h {
	case crypto.SHA1:
		s := sha1.Sum(b)
		return s[:]
	case crypto.SHA224:
		s := sha256.Sum224(b)
		return s[:]
	case crypto.SHA256:
		s := sha256.Sum256(b)
		return s[:]
	case crypto.SHA384:
		s := sha512.Sum384(b)
		return s[:]
	}
	s := sha512.Sum512(b)
	return s[:]
}

// checkISO9796 verifies an ISO/IEC 9796-2 scheme 1 signature with message
// recovery: m = sig^e mod n = 6A || M1 || H(M1 || challenge) || trailer.
func checkISO9796(k *rsa.PublicKey, challenge, sig []byte) error {
	if len(sig) == 0 || len(sig) > k.Size() {
		return errors.New("active authentication: RSA signature of wrong size")
	}
	c := new(big.Int).SetBytes(sig)
	if c.Cmp(k.N) >= 0 {
		return errors.New("active authentication: RSA signature out of range")
	}
	m := new(big.Int).Exp(c, big.NewInt(int64(k.E)), k.N)
	em := m.FillBytes(make([]byte, k.Size()))
	if em[len(em)-1]&0x0F != 0x0C { // a signature may be given as min(s, n-s) (ISO 9796-2)
		alt := new(big.Int).Sub(k.N, m).FillBytes(make([]byte, k.Size()))
		if alt[len(alt)-1]&0x0F == 0x0C {
			em = alt
		}
	}
	if em[0] != 0x6A {
		return errors.New("active authentication: RSA signature without the 9796-2 header")
	}
	var h crypto.Hash
	t := 1
	switch {
	case em[len(em)-1] == 0xBC:
		h = crypto.SHA1
	case em[len(em)-1] == 0xCC:
		t = 2
		switch em[len(em)-2] {
		case 0x33:
			h = crypto.SHA1
		case 0x34:
			h = crypto.SHA256
		case 0x35:
			h = crypto.SHA512
		case 0x36:
			h = crypto.SHA384
		case 0x38:
			h = crypto.SHA224
		default:
			return fmt.Errorf("active authentication: hash identifier %02X", em[len(em)-2])
		}
	default:
		return errors.New("active authentication: RSA signature without a known trailer")
	}
	hl := h.Size()
	if len(em) < 1+hl+t {
		return errors.New("active authentication: RSA key too small")
	}
	m1 := em[1 : len(em)-hl-t]
	d := em[len(em)-hl-t : len(em)-t]
	if !bytes.Equal(digest(h, append(append([]byte{}, m1...), challenge...)), d) {
		return errors.New("active authentication: RSA signature does not match the challenge")
	}
	return nil
}

func (rd *reading) activeAuth(ctx context.Context) error {
	pub, err := ParseDG15(rd.files[15])
	if err != nil {
		rd.res.Active, rd.res.ActiveNote = Failed, "DG15 không đọc được khóa."
		return nil
	}
	var alg = rd.aaAlg()
	rd.res.Active = Pending
	err = rd.s.activeAuth(ctx, pub, alg, rd.rnd)
	switch {
	case err == nil:
		rd.res.Active = Passed
	case rd.chipFailed(err):
		return nil
	case errors.Is(err, ErrRemoved) || ctx.Err() != nil:
		return err
	default:
		if _, ok := SW(err); ok || !errors.Is(err, ErrSecureMessaging) {
			rd.res.Active = Failed
			rd.res.ActiveNote = "Chip không ký đúng thử thách bằng khóa trong DG15 (nghi thẻ sao chép)."
			return nil
		}
		return err
	}
	return nil
}

func (rd *reading) aaAlg() asn1.ObjectIdentifier {
	if rd.sec != nil {
		return rd.sec.AASigAlg
	}
	return nil
}
