package icao

import (
	"bytes"
	"testing"
)

func TestTLVRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 65536} {
		for _, tag := range []uint32{0x04, 0x61, 0x5F1F, 0x7F61, 0x5F2E} {
			v := bytes.Repeat([]byte{0xAB}, n)
			enc := Encode(tag, v)
			got, rest, err := ParseTLV(append(enc, 0x01))
			if err != nil || got.Tag != tag || !bytes.Equal(got.Value, v) || !bytes.Equal(rest, []byte{1}) {
				t.Fatalf("tag %X len %d: %v", tag, n, err)
			}
			h, l, err := TLVHeaderLen(enc[:min(len(enc), 6)])
			if err != nil || l != n || h != len(enc)-n {
				t.Fatalf("header of tag %X len %d: %d %d %v", tag, n, h, l, err)
			}
		}
	}
}

func TestTLVMalformed(t *testing.T) {
	for _, b := range [][]byte{
		{}, {0x5F}, {0x5F, 0x1F}, {0x04, 0x80}, {0x04, 0x84, 1, 0, 0, 0}, {0x04, 0x82, 0x01}, {0x04, 0x05, 1, 2},
		{0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00},
	} {
		if _, _, err := ParseTLV(b); err == nil {
			t.Errorf("% X accepted", b)
		}
	}
}

func TestConstructed(t *testing.T) {
	if !(TLV{Tag: 0x7F61}).Constructed() || (TLV{Tag: 0x5F2E}).Constructed() || !(TLV{Tag: 0x61}).Constructed() {
		t.Error("constructed flag")
	}
}

func FuzzTLV(f *testing.F) {
	f.Add([]byte{0x61, 0x03, 0x04, 0x01, 0x00})
	f.Add(Encode(0x7F61, Encode(0x02, []byte{1}), Encode(0x7F60, Encode(0x5F2E, []byte("FAC")))))
	f.Add([]byte{0x04, 0x83, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		var walk func([]byte, int)
		walk = func(b []byte, depth int) {
			all, _ := ParseAll(b)
			for _, x := range all {
				if len(x.Raw) > len(b) || len(x.Value) > len(x.Raw) {
					t.Fatalf("object larger than its input")
				}
				if x.Constructed() && depth < 32 {
					walk(x.Value, depth+1)
				}
			}
		}
		walk(b, 0)
		_, _, _ = TLVHeaderLen(b)
	})
}
