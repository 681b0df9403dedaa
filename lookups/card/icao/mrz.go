package icao

import (
	"crypto/sha1"
	"fmt"
)

// CheckDigit computes the ICAO 9303 check digit of s (weights 7, 3, 1;
// digits count as themselves, A–Z as 10–35, '<' as 0). ok is false when s
// holds another character.
func CheckDigit(s string) (digit byte, ok bool) {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		case c == '<':
			v = 0
		default:
			return 0, false
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), true
}

// MRZInfo is the key material of BAC and of PACE with the MRZ: document
// number, birth date and expiry date (YYMMDD), each with its check digit.
func MRZInfo(docNo, birth, expiry string) (string, error) {
	for len(docNo) < 9 {
		docNo += "<"
	}
	out := ""
	for _, f := range []string{docNo, birth, expiry} {
		d, ok := CheckDigit(f)
		if !ok {
			return "", fmt.Errorf("icao: MRZ field %q has a character outside 0-9, A-Z and <", f)
		}
		out += f + string(d)
	}
	if len(birth) != 6 || len(expiry) != 6 {
		return "", fmt.Errorf("icao: MRZ dates must be YYMMDD")
	}
	return out, nil
}

// BACKeys derives the BAC keys Kenc and Kmac from the MRZ information.
func BACKeys(mrzInfo string) (kenc, kmac []byte) {
	h := sha1.Sum([]byte(mrzInfo))
	seed := h[:16]
	return KDF(seed, KDFEnc, TDES), KDF(seed, KDFMac, TDES)
}

// PasswordKey derives PACE's K_pi for c from the password: the CAN as its
// ASCII digits, or the MRZ information (hashed with SHA-1 first).
func PasswordKey(c Cipher, password string, mrz bool) []byte {
	k := []byte(password)
	if mrz {
		h := sha1.Sum(k)
		k = h[:]
	}
	return KDF(k, KDFPi, c)
}
