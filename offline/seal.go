package offline

import (
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
	// FrameAESGCM is reserved for the AES-256-GCM layer that will replace PassThrough.
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
