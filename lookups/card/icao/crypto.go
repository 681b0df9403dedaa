package icao

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/aead/cmac"
)

// Cipher is the block cipher of a secure-messaging channel.
type Cipher int

const (
	TDES   Cipher = iota + 1 // two-key 3DES, retail MAC (BAC, PACE 3DES)
	AES128                   // AES-128, CMAC
	AES192
	AES256
)

func (c Cipher) String() string {
	switch c {
	case TDES:
		return "3DES"
	case AES128:
		return "AES-128"
	case AES192:
		return "AES-192"
	case AES256:
		return "AES-256"
	}
	return fmt.Sprintf("cipher(%d)", int(c))
}

// KeyLen is the key length in bytes.
func (c Cipher) KeyLen() int {
	switch c {
	case AES192:
		return 24
	case AES256:
		return 32
	}
	return 16
}

// BlockSize is the cipher's block size, which is also the padding unit.
func (c Cipher) BlockSize() int {
	if c == TDES {
		return 8
	}
	return 16
}

// Key derivation counters (ICAO 9303-11 §9.7.1).
const (
	KDFEnc uint32 = 1
	KDFMac uint32 = 2
	KDFPi  uint32 = 3
)

// KDF derives a key for c from the shared secret k and counter.
func KDF(k []byte, counter uint32, c Cipher) []byte {
	var ctr [4]byte
	binary.BigEndian.PutUint32(ctr[:], counter)
	switch c {
	case AES192, AES256:
		h := sha256.New()
		h.Write(k)
		h.Write(ctr[:])
		return h.Sum(nil)[:c.KeyLen()]
	}
	h := sha1.New()
	h.Write(k)
	h.Write(ctr[:])
	out := h.Sum(nil)[:16]
	if c == TDES {
		AdjustParity(out)
	}
	return out
}

// AdjustParity sets the DES odd-parity bit of every byte of key.
func AdjustParity(key []byte) {
	for i, b := range key {
		b &= 0xFE
		ones := 0
		for v := b; v != 0; v >>= 1 {
			ones += int(v & 1)
		}
		if ones%2 == 0 {
			b |= 1
		}
		key[i] = b
	}
}

// Pad applies ISO 9797-1 padding method 2 (0x80 then zeros) to a multiple of block.
func Pad(b []byte, block int) []byte {
	out := make([]byte, len(b), len(b)+block)
	copy(out, b)
	out = append(out, 0x80)
	for len(out)%block != 0 {
		out = append(out, 0)
	}
	return out
}

// ErrPadding reports a plaintext without valid ISO 9797-1 method 2 padding.
var ErrPadding = errors.New("bad padding")

// Unpad removes ISO 9797-1 padding method 2.
func Unpad(b []byte) ([]byte, error) {
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case 0x00:
			continue
		case 0x80:
			return b[:i], nil
		}
		break
	}
	return nil, ErrPadding
}

func tdesKey(k []byte) []byte {
	key := make([]byte, 24)
	copy(key, k[:16])
	copy(key[16:], k[:8])
	return key
}

// NewBlock returns the block cipher for key under c.
func NewBlock(c Cipher, key []byte) (cipher.Block, error) {
	if len(key) != c.KeyLen() {
		return nil, fmt.Errorf("icao: %s key of %d bytes", c, len(key))
	}
	if c == TDES {
		return des.NewTripleDESCipher(tdesKey(key))
	}
	return aes.NewCipher(key)
}

// RetailMAC computes ISO 9797-1 MAC algorithm 3 with DES (the "retail MAC"
// of BAC) over data, which must already be padded to 8-byte blocks.
func RetailMAC(key, data []byte) ([]byte, error) {
	if len(key) != 16 || len(data)%8 != 0 {
		return nil, fmt.Errorf("icao: retail MAC needs a 16-byte key and padded data")
	}
	k1, err := des.NewCipher(key[:8])
	if err != nil {
		return nil, err
	}
	k2, err := des.NewCipher(key[8:16])
	if err != nil {
		return nil, err
	}
	h := make([]byte, 8)
	for i := 0; i < len(data); i += 8 {
		subtle.XORBytes(h, h, data[i:i+8])
		k1.Encrypt(h, h)
	}
	k2.Decrypt(h, h)
	k1.Encrypt(h, h)
	return h, nil
}

// MAC computes the 8-byte secure-messaging MAC of c over data, which must
// already be padded: the retail MAC for 3DES, AES-CMAC truncated for AES.
func MAC(c Cipher, key, data []byte) ([]byte, error) {
	if c == TDES {
		return RetailMAC(key, data)
	}
	b, err := NewBlock(c, key)
	if err != nil {
		return nil, err
	}
	return cmac.Sum(data, b, 8)
}

// Keys is one secure-messaging key set with its send sequence counter.
type Keys struct {
	Cipher Cipher
	Enc    []byte
	Mac    []byte
	SSC    []byte // 8 bytes (3DES) or 16 bytes (AES), big-endian
}

// NewKeys derives KSenc and KSmac from the shared secret k and starts the
// counter at zero (PACE, chip authentication).
func NewKeys(c Cipher, k []byte) *Keys {
	return &Keys{Cipher: c, Enc: KDF(k, KDFEnc, c), Mac: KDF(k, KDFMac, c), SSC: make([]byte, c.BlockSize())}
}

// Increment adds one to the send sequence counter.
func (k *Keys) Increment() {
	for i := len(k.SSC) - 1; i >= 0; i-- {
		k.SSC[i]++
		if k.SSC[i] != 0 {
			return
		}
	}
}

func (k *Keys) iv(block cipher.Block) []byte {
	iv := make([]byte, block.BlockSize())
	if k.Cipher != TDES { // AES: IV = E(KSenc, SSC)
		block.Encrypt(iv, k.SSC)
	}
	return iv
}

// Encrypt encrypts padded plaintext for the current counter.
func (k *Keys) Encrypt(padded []byte) ([]byte, error) {
	block, err := NewBlock(k.Cipher, k.Enc)
	if err != nil {
		return nil, err
	}
	if len(padded)%block.BlockSize() != 0 {
		return nil, fmt.Errorf("icao: plaintext not padded")
	}
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, k.iv(block)).CryptBlocks(out, padded)
	return out, nil
}

// Decrypt decrypts ciphertext for the current counter and removes the padding.
func (k *Keys) Decrypt(ct []byte) ([]byte, error) {
	block, err := NewBlock(k.Cipher, k.Enc)
	if err != nil {
		return nil, err
	}
	if len(ct) == 0 || len(ct)%block.BlockSize() != 0 {
		return nil, fmt.Errorf("icao: ciphertext of %d bytes", len(ct))
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, k.iv(block)).CryptBlocks(out, ct)
	return Unpad(out)
}

// Sum computes the MAC of SSC || Pad(data) for the current counter.
func (k *Keys) Sum(data []byte) ([]byte, error) {
	m := append(append([]byte{}, k.SSC...), data...)
	return MAC(k.Cipher, k.Mac, Pad(m, k.Cipher.BlockSize()))
}

// CBCEncrypt and CBCDecrypt run the cipher with a zero IV on block-aligned
// data (BAC's mutual authentication, PACE's nonce).
func CBCEncrypt(c Cipher, key, data []byte) ([]byte, error) {
	return cbc(c, key, data, true)
}

// CBCDecrypt is the inverse of CBCEncrypt (see there).
func CBCDecrypt(c Cipher, key, data []byte) ([]byte, error) {
	return cbc(c, key, data, false)
}

func cbc(c Cipher, key, data []byte, enc bool) ([]byte, error) {
	block, err := NewBlock(c, key)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || len(data)%block.BlockSize() != 0 {
		return nil, fmt.Errorf("icao: data of %d bytes is not block-aligned", len(data))
	}
	out := make([]byte, len(data))
	iv := make([]byte, block.BlockSize())
	if enc {
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, data)
	} else {
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	}
	return out, nil
}
