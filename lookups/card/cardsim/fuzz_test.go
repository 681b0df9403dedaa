package cardsim

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"testing"

	"motcua/lookups/card/icao"
)

var (
	fuzzOnce sync.Once
	fuzzCard *Card
)

// FuzzTransmit feeds arbitrary bytes to the chip: as one plain APDU, as a
// sequence of length-prefixed APDUs (to reach protocol states), and as a
// command under a valid secure-messaging session. The chip must always
// answer with a status word and never hit its panic guard (6F00).
func FuzzTransmit(f *testing.F) {
	for _, seed := range []string{
		"00A4040C07A0000002471001", "00A4020C02011C", "00B0000000", "0084000008",
		"0022C1A40F800A04007F00070202040202830102", "10860000027C0000", "0CB0000000",
		"00B1000003540100", "00A4000C023F00", "00C0000000", "00A4040C000007A0000002471001",
		"0C2241A40C800A04007F0007020203020200", "00880000080102030405060708",
		"0C0D0022C1A40F800A04007F00070202040202830102080086000004" + "7C028000", "",
	} {
		f.Add(mustHex(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzOnce.Do(func() {
			c, err := New(testPerson(), Profile{ParamID: icao.ParamP256, Extended: true, T0: true,
				Rand: rand.NewChaCha8([32]byte{1})}, nil)
			if err != nil {
				t.Fatal(err)
			}
			fuzzCard = c
		})
		c := fuzzCard
		check := func(resp []byte, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("Transmit: %v", err)
			}
			if len(resp) < 2 {
				t.Fatalf("response %X without status word", resp)
			}
			if bytes.HasSuffix(resp, []byte{0x6F, 0x00}) {
				t.Fatalf("chip panicked on %X", in)
			}
		}
		c.Reset()
		check(c.Transmit(in))

		c.Reset()
		for rest := in; len(rest) > 0; {
			n := min(int(rest[0]), len(rest)-1)
			check(c.Transmit(rest[1 : 1+n]))
			rest = rest[1+n:]
		}

		if len(in) < 4 {
			return
		}
		c.Reset()
		tm := &term{t: t, card: c, t0: true}
		tm.bacCard()
		tm.ext = in[0]&1 == 1
		k := tm.keys
		k.Increment()
		hdr := []byte{in[0] | 0x0C, in[1], in[2], in[3]}
		var dos []byte
		if len(in) > 4 {
			ct, _ := k.Encrypt(icao.Pad(in[4:], 8))
			if in[1]&1 == 1 {
				dos = icao.Encode(0x85, ct)
			} else {
				dos = icao.Encode(0x87, append([]byte{1}, ct...))
			}
		}
		if in[0]&2 == 2 {
			dos = append(dos, 0x97, 0x01, in[len(in)-1])
		}
		mac, _ := k.Sum(append(icao.Pad(hdr, 8), dos...))
		check(c.Transmit(buildAPDU(hdr[0], hdr[1], hdr[2], hdr[3], append(dos, icao.Encode(0x8E, mac)...), 0, tm.ext)))
	})
}
