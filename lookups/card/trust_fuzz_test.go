package card

import (
	"testing"

	"motcua/lookups/card/cardsim"
)

// FuzzMasterList feeds arbitrary bytes as an ICAO master list to a store
// trusting one CSCA: refused or accepted, never a panic, and nothing is
// trusted from a list whose signer does not chain.
func FuzzMasterList(f *testing.F) {
	root, other := cardsim.TestPKI(), cardsim.OtherPKI()
	if ml, err := root.MasterList(other.CSCA); err == nil {
		f.Add(ml)
	}
	if ml, err := other.MasterList(root.CSCA); err == nil {
		f.Add(ml)
	}
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		ts := NewTrustStore(root.CSCA)
		if err := ts.addMasterList(b, "fuzz.ml"); err != nil && ts.Len() != 1 {
			t.Fatalf("refused list left %d CSCAs", ts.Len())
		}
	})
}
