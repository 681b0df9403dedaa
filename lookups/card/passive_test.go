package card

import "testing"

func FuzzSOD(f *testing.F) {
	f.Add([]byte{0x77, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := ParseSOD(b); err == nil {
			_ = s.CheckSignature()
		}
	})
}
