package offline

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
)

// Sealer is the one way personal data goes into and out of the store. The bucket name and the
// record key are bound to the value as associated data, so a sealed value moved to another
// record does not open. Seal must return a new slice; Open receives a private copy of the
// stored bytes and may return a sub-slice of it.
type Sealer interface {
	Seal(bucket string, key []byte, plain []byte) ([]byte, error)
	Open(bucket string, key []byte, sealed []byte) ([]byte, error)
}

// Frame versions: the first byte of every sealed value says which layer wrote it.
const (
	// FramePlain marks a value written by PassThrough (no encryption).
	FramePlain byte = 0x00
	// FrameAESGCM marks a value written by the AES-256-GCM layer (AESGCM).
	FrameAESGCM byte = 0x01
)

// ErrUnsealable is returned when a stored value cannot be opened by the configured Sealer
// (unknown frame version, wrong key, tampered data).
var ErrUnsealable = errors.New("offline: stored value cannot be opened")

type passThrough struct{}

// PassThrough returns the plain layer: it does not encrypt, but frames every value with the
// FramePlain version byte so that the encrypted layer can replace it and recognise old values.
func PassThrough() Sealer { return passThrough{} }

func (passThrough) Seal(_ string, _ []byte, plain []byte) ([]byte, error) {
	out := make([]byte, 1+len(plain))
	out[0] = FramePlain
	copy(out[1:], plain)
	return out, nil
}

func (passThrough) Open(_ string, _ []byte, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, fmt.Errorf("%w: empty value", ErrUnsealable)
	}
	if sealed[0] != FramePlain {
		return nil, fmt.Errorf("%w: frame version %#x is not plain", ErrUnsealable, sealed[0])
	}
	return sealed[1:], nil
}

// aeadAD is the associated data of a sealed value: the record's bucket and key.
func aeadAD(bucket string, key []byte) []byte {
	ad := make([]byte, 0, 16+len(bucket)+len(key))
	ad = append(ad, "motcua/seal/v1\x00"...)
	ad = append(ad, bucket...)
	ad = append(ad, 0)
	return append(ad, key...)
}

type aesGCM struct{ aead cipher.AEAD }

// AESGCM returns the encrypting layer: AES-256-GCM under key (32 bytes) with a random 96-bit
// nonce per value and the bucket name and record key as associated data. A sealed value is
// FrameAESGCM, the nonce, the ciphertext and the 16-byte tag (29 bytes of overhead).
// Random nonces under one key stay safe for well over a billion values (NIST SP 800-38D
// limits a key to 2^32 random-nonce messages), far beyond a ward counter's lifetime.
func AESGCM(key []byte) (Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("offline: AES-256-GCM key has %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("offline: AES key: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("offline: GCM: %w", err)
	}
	return aesGCM{aead}, nil
}

func (a aesGCM) Seal(bucket string, key []byte, plain []byte) ([]byte, error) {
	out := make([]byte, 1, 1+len(plain)+a.aead.Overhead())
	out[0] = FrameAESGCM
	return a.aead.Seal(out, nil, plain, aeadAD(bucket, key)), nil
}

func (a aesGCM) Open(bucket string, key []byte, sealed []byte) ([]byte, error) {
	if len(sealed) < 1+a.aead.Overhead() {
		return nil, fmt.Errorf("%w: sealed value too short (%d bytes)", ErrUnsealable, len(sealed))
	}
	if sealed[0] != FrameAESGCM {
		return nil, fmt.Errorf("%w: frame version %#x is not AES-GCM", ErrUnsealable, sealed[0])
	}
	body := sealed[1:]
	plain, err := a.aead.Open(nil, nil, body, aeadAD(bucket, key))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (wrong key, moved or changed value)", ErrUnsealable)
	}
	return plain, nil
}
