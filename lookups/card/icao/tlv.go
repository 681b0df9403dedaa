package icao

import (
	"errors"
	"fmt"
)

// ErrTLV is wrapped by every TLV decoding error.
var ErrTLV = errors.New("malformed TLV")

// MaxTLVLength bounds a decoded length: no file of an eMRTD comes near it,
// and a bound keeps a corrupt length from being trusted.
const MaxTLVLength = 1 << 24

// TLV is one decoded BER-TLV data object. Value and Raw alias the input.
type TLV struct {
	Tag   uint32 // the tag bytes as a big-endian number (0x5F1F, 0x7F49, 0x61…)
	Value []byte
	Raw   []byte // tag, length and value
}

// Constructed reports whether the object's value is itself a list of objects.
func (t TLV) Constructed() bool {
	first := t.Tag
	for first > 0xFF {
		first >>= 8
	}
	return first&0x20 != 0
}

// Children decodes the value of a constructed object.
func (t TLV) Children() ([]TLV, error) { return ParseAll(t.Value) }

// ParseTLV decodes the first object of b and returns it with the bytes after it.
func ParseTLV(b []byte) (TLV, []byte, error) {
	if len(b) == 0 {
		return TLV{}, nil, fmt.Errorf("%w: empty", ErrTLV)
	}
	i := 0
	tag := uint32(b[0])
	i++
	if b[0]&0x1F == 0x1F { // multi-byte tag
		for {
			if i >= len(b) {
				return TLV{}, nil, fmt.Errorf("%w: truncated tag", ErrTLV)
			}
			if i >= 4 {
				return TLV{}, nil, fmt.Errorf("%w: tag too long", ErrTLV)
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return TLV{}, nil, fmt.Errorf("%w: missing length", ErrTLV)
	}
	n := int(b[i])
	i++
	if n&0x80 != 0 {
		k := n & 0x7F
		if k == 0 {
			return TLV{}, nil, fmt.Errorf("%w: indefinite length", ErrTLV)
		}
		if k > 3 {
			return TLV{}, nil, fmt.Errorf("%w: length of %d bytes", ErrTLV, k)
		}
		if i+k > len(b) {
			return TLV{}, nil, fmt.Errorf("%w: truncated length", ErrTLV)
		}
		n = 0
		for _, c := range b[i : i+k] {
			n = n<<8 | int(c)
		}
		i += k
	}
	if n > MaxTLVLength {
		return TLV{}, nil, fmt.Errorf("%w: length %d", ErrTLV, n)
	}
	if n > len(b)-i {
		return TLV{}, nil, fmt.Errorf("%w: value of %d bytes, %d left", ErrTLV, n, len(b)-i)
	}
	return TLV{Tag: tag, Value: b[i : i+n], Raw: b[:i+n]}, b[i+n:], nil
}

// ParseAll decodes a sequence of objects filling b exactly. Padding bytes
// 0x00 and 0xFF between objects are skipped, as ISO 7816-4 allows.
func ParseAll(b []byte) ([]TLV, error) {
	var out []TLV
	for len(b) > 0 {
		if b[0] == 0x00 || b[0] == 0xFF {
			b = b[1:]
			continue
		}
		t, rest, err := ParseTLV(b)
		if err != nil {
			return out, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

// Find returns the value of the first object with the given tag among the
// top-level objects of b.
func Find(b []byte, tag uint32) ([]byte, bool) {
	all, _ := ParseAll(b)
	for _, t := range all {
		if t.Tag == tag {
			return t.Value, true
		}
	}
	return nil, false
}

// TLVHeaderLen returns the length of the tag and length fields at the start
// of b and the value length they announce, from as few bytes as hold them:
// a reader uses it to learn a file's size from its first bytes.
func TLVHeaderLen(b []byte) (header, value int, err error) {
	t, _, err := ParseTLV(b)
	if err == nil {
		return len(t.Raw) - len(t.Value), len(t.Value), nil
	}
	// the value may be cut off: decode the header alone
	i := 1
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("%w: empty", ErrTLV)
	}
	if b[0]&0x1F == 0x1F {
		for i < len(b) && i < 4 && b[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(b) {
		return 0, 0, fmt.Errorf("%w: truncated header", ErrTLV)
	}
	n := int(b[i])
	i++
	if n&0x80 != 0 {
		k := n & 0x7F
		if k == 0 || k > 3 || i+k > len(b) {
			return 0, 0, fmt.Errorf("%w: bad length field", ErrTLV)
		}
		n = 0
		for _, c := range b[i : i+k] {
			n = n<<8 | int(c)
		}
		i += k
	}
	if n > MaxTLVLength {
		return 0, 0, fmt.Errorf("%w: length %d", ErrTLV, n)
	}
	return i, n, nil
}

// EncodeLength returns the BER length field for n.
func EncodeLength(n int) []byte {
	switch {
	case n < 0x80:
		return []byte{byte(n)}
	case n <= 0xFF:
		return []byte{0x81, byte(n)}
	case n <= 0xFFFF:
		return []byte{0x82, byte(n >> 8), byte(n)}
	default:
		return []byte{0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
}

// EncodeTag returns the tag bytes of tag.
func EncodeTag(tag uint32) []byte {
	switch {
	case tag > 0xFFFFFF:
		return []byte{byte(tag >> 24), byte(tag >> 16), byte(tag >> 8), byte(tag)}
	case tag > 0xFFFF:
		return []byte{byte(tag >> 16), byte(tag >> 8), byte(tag)}
	case tag > 0xFF:
		return []byte{byte(tag >> 8), byte(tag)}
	default:
		return []byte{byte(tag)}
	}
}

// Encode returns the object tag with the concatenation of values as its value.
func Encode(tag uint32, values ...[]byte) []byte {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	out := append(EncodeTag(tag), EncodeLength(n)...)
	for _, v := range values {
		out = append(out, v...)
	}
	return out
}
