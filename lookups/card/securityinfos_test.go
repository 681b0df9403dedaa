package card

import "testing"

func FuzzSecurityInfos(f *testing.F) {
	f.Add(unhex("31143012060A04007F0007020204020202010202010D"))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseSecurityInfos(b) })
}
