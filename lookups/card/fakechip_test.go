package card_test

// A test chip written apart from both the reader and cardsim, from the text
// of ICAO Doc 9303-11 (BAC, §4.3; 3DES secure messaging, §9.8) with the
// standard library alone: the reader's assumptions about secure messaging
// are checked against a peer that does not share its code. It is BAC only,
// holds three small files, and misbehaves as each table row says.

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"motcua/lookups/card"
)

// The ICAO 9303-11 Appendix D document: L898902C<, born 690806, expires 940623.
const fakeDoc, fakeBirth, fakeExpiry = "L898902C<", "690806", "940623"

type fakeAnswer struct {
	raw  []byte // the whole response, status word included
	drop bool   // the chip ends the session
	lax  bool   // ... but serves plain reads afterwards (the trap)
}

type fakeChip struct {
	t        *testing.T
	files    map[uint16][]byte
	kenc     []byte // BAC keys
	kmac     []byte
	sk       []byte // session keys: encryption, MAC (nil: no session)
	sm       []byte
	ssc      uint64
	rndIC    []byte
	selected uint16
	sessions int  // BAC runs that succeeded
	lax      bool // plain reads are served (after a bare answer)
	opened   bool // a session was opened once: plain data commands are violations from then on
	plain    []string
	// misbehave may answer a secured command in its own way (ins, p1, p2
	// and data of the inner command); nil: the chip's normal answer.
	misbehave func(f *fakeChip, ins, p1, p2 byte, data []byte) *fakeAnswer
}

func newFakeChip(t *testing.T) *fakeChip {
	info := fakeDoc + checkDigit(fakeDoc) + fakeBirth + checkDigit(fakeBirth) + fakeExpiry + checkDigit(fakeExpiry)
	seed := sha1.Sum([]byte(info))
	f := &fakeChip{t: t, kenc: kdf(seed[:16], 1), kmac: kdf(seed[:16], 2)}
	tlv := func(tag byte, v []byte) []byte { return append([]byte{tag, byte(len(v))}, v...) }
	item := func(n byte, s string) []byte {
		return tlv(0x30, append([]byte{0x02, 0x01, n}, tlv(0x0C, []byte(s))...))
	}
	dg13 := tlv(0x30, append(append(item(1, "001089012345"), item(2, "Nguyễn Thị Thử")...), item(3, "12/03/1989")...))
	f.files = map[uint16][]byte{
		0x011E: {0x60, 0x0B, 0x5F, 0x01, 0x04, '0', '1', '0', '7', 0x5C, 0x02, 0x61, 0x6D}, // EF.COM: DG1, DG13
		0x010D: tlv(0x6D, dg13),
		0x0101: append([]byte{0x61, 0x5D, 0x5F, 0x1F, 0x5A}, bytes.Repeat([]byte{'<'}, 90)...), // DG1: a blank MRZ
		0x011D: {0x77, 0x03, 0x30, 0x01, 0x00},                                                 // an EF.SOD that parses as nothing
	}
	return f
}

func checkDigit(s string) string {
	sum := 0
	for i, c := range []byte(s) {
		v := 0
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		}
		sum += v * []int{7, 3, 1}[i%3]
	}
	return string(rune('0' + sum%10))
}

func kdf(seed []byte, c byte) []byte {
	h := sha1.Sum(append(append([]byte{}, seed...), 0, 0, 0, c))
	return h[:16]
}

func tdes(k []byte) cipher.Block {
	b, err := des.NewTripleDESCipher(append(append([]byte{}, k...), k[:8]...))
	if err != nil {
		panic(err)
	}
	return b
}

func pad8(b []byte) []byte {
	out := append(append([]byte{}, b...), 0x80)
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	return out
}

func cbc(k, b []byte, enc bool) []byte {
	out := make([]byte, len(b))
	iv := make([]byte, 8)
	if enc {
		cipher.NewCBCEncrypter(tdes(k), iv).CryptBlocks(out, b)
	} else {
		cipher.NewCBCDecrypter(tdes(k), iv).CryptBlocks(out, b)
	}
	return out
}

// retailMAC is ISO/IEC 9797-1 MAC algorithm 3 over padded data.
func retailMAC(k, padded []byte) []byte {
	k1, _ := des.NewCipher(k[:8])
	k2, _ := des.NewCipher(k[8:16])
	h := make([]byte, 8)
	for i := 0; i < len(padded); i += 8 {
		for j := range 8 {
			h[j] ^= padded[i+j]
		}
		k1.Encrypt(h, h)
	}
	k2.Decrypt(h, h)
	k1.Encrypt(h, h)
	return h
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }

func (f *fakeChip) ATR() []byte { return []byte{0x3B, 0x80, 0x80, 0x01, 0x01} }

func (f *fakeChip) Transmit(_ context.Context, c []byte) ([]byte, error) {
	if len(c) < 4 {
		return sw(0x6700), nil
	}
	if c[0]&0x0C == 0x0C {
		return f.secured(c), nil
	}
	ins, p1 := c[1], c[2]
	var data []byte
	if len(c) > 5 {
		data = c[5 : 5+int(c[4])]
	}
	switch {
	case ins == 0xA4 && p1 == 0x04: // SELECT the application: a new start
		f.sk, f.sm, f.lax, f.selected = nil, nil, false, 0
		return sw(0x9000), nil
	case ins == 0x84:
		f.rndIC = []byte{0x46, 0x08, 0xF9, 0x19, 0x88, 0x70, 0x22, 0x12}
		return append(append([]byte{}, f.rndIC...), 0x90, 0x00), nil
	case ins == 0x82:
		return f.externalAuthenticate(data), nil
	}
	if f.opened && (ins == 0xB0 || ins == 0xA4 || ins == 0x88) {
		f.plain = append(f.plain, fmt.Sprintf("%X", c[:4]))
	}
	if f.lax && f.sk == nil {
		return f.execute(ins, p1, c[3], data, 256), nil // the trap: data in clear
	}
	if ins == 0xA4 && bytes.Equal(data, []byte{0x01, 0x1C}) {
		return sw(0x6A82), nil // no EF.CardAccess: BAC only
	}
	return sw(0x6982), nil
}

func (f *fakeChip) externalAuthenticate(data []byte) []byte {
	if len(data) != 40 || f.rndIC == nil || !bytes.Equal(retailMAC(f.kmac, pad8(data[:32])), data[32:]) {
		return sw(0x6300)
	}
	s := cbc(f.kenc, data[:32], false)
	rndIFD, kIFD := s[:8], s[16:]
	if !bytes.Equal(s[8:16], f.rndIC) {
		return sw(0x6300)
	}
	kIC := bytes.Repeat([]byte{0x0B}, 16)
	eIC := cbc(f.kenc, append(append(append([]byte{}, f.rndIC...), rndIFD...), kIC...), true)
	seed := make([]byte, 16)
	for i := range seed {
		seed[i] = kIFD[i] ^ kIC[i]
	}
	f.sk, f.sm = kdf(seed, 1), kdf(seed, 2)
	f.ssc = uint64(binary.BigEndian.Uint32(f.rndIC[4:]))<<32 | uint64(binary.BigEndian.Uint32(rndIFD[4:]))
	f.sessions++
	f.opened, f.lax = true, false
	return append(append(eIC, retailMAC(f.kmac, pad8(eIC))...), 0x90, 0x00)
}

func (f *fakeChip) sscBytes() []byte { return binary.BigEndian.AppendUint64(nil, f.ssc) }

// secured unwraps a secured command (DO87, DO97, DO8E), runs it and wraps
// the answer (DO87, DO99, DO8E).
func (f *fakeChip) secured(c []byte) []byte {
	if f.sk == nil {
		return sw(0x6882)
	}
	f.ssc++
	var body []byte
	le := 0
	switch {
	case len(c) == 5:
	case len(c) > 5 && c[4] != 0:
		body = c[5 : 5+int(c[4])]
	case len(c) > 7:
		n := int(c[5])<<8 | int(c[6])
		body = c[7 : 7+n]
	}
	var do87, do97, mac []byte
	for rest := body; len(rest) >= 2; {
		tag, n := rest[0], int(rest[1])
		if len(rest) < 2+n {
			f.t.Errorf("malformed secured command %X", c)
			return sw(0x6988)
		}
		obj := rest[:2+n]
		switch tag {
		case 0x87:
			do87 = obj
		case 0x97:
			do97 = obj
			if n == 1 {
				le = int(obj[2])
			}
			if le == 0 {
				le = 256
			}
		case 0x8E:
			mac = obj[2:]
		}
		rest = rest[2+n:]
	}
	input := append(f.sscBytes(), pad8(c[:4])...)
	input = append(append(input, do87...), do97...)
	if !bytes.Equal(retailMAC(f.sm, pad8(input)), mac) {
		f.t.Errorf("the reader's MAC on %X does not verify", c[:4])
		f.sk = nil
		return sw(0x6988)
	}
	var data []byte
	if do87 != nil {
		plain := cbc(f.sk, do87[3:], false)
		i := bytes.LastIndexByte(plain, 0x80)
		data = plain[:i]
	}
	ins, p1, p2 := c[1], c[2], c[3]
	if f.misbehave != nil {
		if a := f.misbehave(f, ins, p1, p2, data); a != nil {
			if a.drop {
				f.sk, f.sm, f.lax = nil, nil, a.lax
			}
			return a.raw
		}
	}
	return f.wrap(f.execute(ins, p1, p2, data, le))
}

// execute runs SELECT and READ BINARY; the answer ends with its status word.
func (f *fakeChip) execute(ins, p1, p2 byte, data []byte, le int) []byte {
	switch ins {
	case 0xA4:
		fid := uint16(0)
		if len(data) == 2 {
			fid = uint16(data[0])<<8 | uint16(data[1])
		}
		if _, ok := f.files[fid]; !ok || p1 != 0x02 {
			return sw(0x6A82)
		}
		f.selected = fid
		return sw(0x9000)
	case 0xB0:
		fid, off := f.selected, int(p1)<<8|int(p2)
		if p1&0x80 != 0 {
			fid, off = 0x0100|uint16(p1&0x1F), int(p2)
		}
		file, ok := f.files[fid]
		if !ok {
			return sw(0x6A82)
		}
		f.selected = fid
		if off >= len(file) {
			return sw(0x6B00)
		}
		end := min(len(file), off+le)
		return append(append([]byte{}, file[off:end]...), 0x90, 0x00)
	}
	return sw(0x6D00)
}

func (f *fakeChip) wrap(resp []byte) []byte {
	data, status := resp[:len(resp)-2], resp[len(resp)-2:]
	f.ssc++
	var do87 []byte
	if len(data) > 0 {
		ct := cbc(f.sk, pad8(data), true)
		do87 = append([]byte{0x87, byte(len(ct) + 1), 0x01}, ct...)
	}
	do99 := append([]byte{0x99, 0x02}, status...)
	mac := retailMAC(f.sm, pad8(append(append(f.sscBytes(), do87...), do99...)))
	out := append(append(do87, do99...), 0x8E, 0x08)
	out = append(append(out, mac...), status...)
	return out
}

func sfiRead(ins, p1 byte) bool { return ins == 0xB0 && p1&0x80 != 0 }

// TestSecureMessagingAgainstAnIndependentChip: whatever the chip answers,
// after BAC the reader sends nothing in clear and takes nothing unverified.
func TestSecureMessagingAgainstAnIndependentChip(t *testing.T) {
	bare := func(s uint16, lax bool) *fakeAnswer { return &fakeAnswer{raw: sw(s), drop: true, lax: lax} }
	for _, c := range []struct {
		name      string
		misbehave func(f *fakeChip, ins, p1, p2 byte, data []byte) *fakeAnswer
		wantErr   error // nil: the read ends normally
		sessions  int   // BAC runs
		identity  bool  // DG13 came through
	}{
		{"well-behaved", nil, nil, 1, true},
		{"short-identifier read refused with a bare 6A86, plain reads served after", func(f *fakeChip, ins, p1, _ byte, _ []byte) *fakeAnswer {
			if sfiRead(ins, p1) {
				return bare(0x6A86, true)
			}
			return nil
		}, nil, 2, true},
		{"short-identifier read refused with a bare 6A82, plain reads served after", func(f *fakeChip, ins, p1, _ byte, _ []byte) *fakeAnswer {
			if sfiRead(ins, p1) {
				return bare(0x6A82, true)
			}
			return nil
		}, nil, 2, true},
		{"short-identifier read refused with a verified 6A86", func(f *fakeChip, ins, p1, _ byte, _ []byte) *fakeAnswer {
			if sfiRead(ins, p1) {
				return &fakeAnswer{raw: f.wrap(sw(0x6A86))}
			}
			return nil
		}, nil, 1, true},
		{"refused in clear again after the restart", func(f *fakeChip, ins, p1, _ byte, _ []byte) *fakeAnswer {
			if sfiRead(ins, p1) || f.sessions > 1 && ins == 0xA4 {
				return bare(0x6A82, true)
			}
			return nil
		}, card.ErrUnprotected, 2, false},
		{"bare 6982 to a SELECT mid-session", func(f *fakeChip, ins, p1, _ byte, data []byte) *fakeAnswer {
			switch {
			case sfiRead(ins, p1):
				return &fakeAnswer{raw: f.wrap(sw(0x6A86))}
			case ins == 0xA4 && bytes.Equal(data, []byte{0x01, 0x01}):
				return bare(0x6982, true)
			}
			return nil
		}, card.ErrUnprotected, 1, true},
		{"answer without DO8E", func(f *fakeChip, ins, p1, p2 byte, data []byte) *fakeAnswer {
			if ins == 0xB0 {
				w := f.wrap(f.execute(ins, p1, p2, data, 256))
				return &fakeAnswer{raw: append(w[:len(w)-12], 0x90, 0x00)}
			}
			return nil
		}, card.ErrSecureMessaging, 1, false},
		{"answer with a wrong MAC", func(f *fakeChip, ins, p1, p2 byte, data []byte) *fakeAnswer {
			if ins == 0xB0 {
				w := f.wrap(f.execute(ins, p1, p2, data, 256))
				w[len(w)-3] ^= 1
				return &fakeAnswer{raw: w}
			}
			return nil
		}, card.ErrSecureMessaging, 1, false},
		{"file bytes in clear with 9000 to a secured read", func(f *fakeChip, ins, p1, p2 byte, data []byte) *fakeAnswer {
			if ins == 0xB0 {
				return &fakeAnswer{raw: f.execute(ins, p1, p2, data, 256), drop: true, lax: true}
			}
			return nil
		}, card.ErrSecureMessaging, 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			chip := newFakeChip(t)
			chip.misbehave = c.misbehave
			res, err := card.Read(context.Background(), chip, card.Key{DocNo: fakeDoc, Birth: fakeBirth, Expiry: fakeExpiry}, card.Options{}, nil)
			switch {
			case c.wantErr == nil && err != nil:
				t.Fatalf("read: %v", err)
			case c.wantErr != nil && !errors.Is(err, c.wantErr):
				t.Fatalf("err %v, want %v", err, c.wantErr)
			}
			if len(chip.plain) > 0 {
				t.Errorf("commands in clear after BAC: %v", chip.plain)
			}
			if chip.sessions != c.sessions {
				t.Errorf("%d BAC runs, want %d", chip.sessions, c.sessions)
			}
			if got := res.Identity != nil && res.Identity.ID == "001089012345" && res.Identity.FullName == "Nguyễn Thị Thử"; got != c.identity {
				t.Errorf("identity %+v, want it read: %v", res.Identity, c.identity)
			}
			if res.Access != "BAC" {
				t.Errorf("access %q", res.Access)
			}
		})
	}
}
