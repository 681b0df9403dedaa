package card

import (
	"motcua/lookups/card/icao"
	"testing"
)

// FuzzSecureMessagingResponse feeds arbitrary secured responses to the
// reader's unwrapping: it must reject, never panic.
func FuzzSecureMessagingResponse(f *testing.F) {
	f.Add(unhex("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED"), uint16(0x9000))
	f.Add([]byte{0x99, 0x02, 0x90, 0x00}, uint16(0x9000))
	f.Fuzz(func(t *testing.T, b []byte, sw uint16) {
		for _, c := range []icao.Cipher{icao.TDES, icao.AES128} {
			s := &session{keys: icao.NewKeys(c, []byte("shared secret"))}
			_, _, _ = s.unprotect(b, sw)
		}
	})
}
