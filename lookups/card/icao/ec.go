package icao

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"io"
	"math/big"
)

type bigInt = big.Int

// ByteLen is the length of a field element of c.
func ByteLen(c elliptic.Curve) int { return (c.Params().BitSize + 7) / 8 }

// Point is an affine point of a curve.
type Point struct{ X, Y *big.Int }

// Bytes encodes p uncompressed (04 || X || Y).
func (p Point) Bytes(c elliptic.Curve) []byte {
	n := ByteLen(c)
	out := make([]byte, 1+2*n)
	out[0] = 4
	p.X.FillBytes(out[1 : 1+n])
	p.Y.FillBytes(out[1+n:])
	return out
}

// ErrPoint reports an encoding that is not a point of the curve.
var ErrPoint = errors.New("not a point of the curve")

// ParsePoint decodes an uncompressed point and checks that it lies on c.
func ParsePoint(c elliptic.Curve, b []byte) (Point, error) {
	n := ByteLen(c)
	if len(b) != 1+2*n || b[0] != 4 {
		return Point{}, fmt.Errorf("%w: %d bytes", ErrPoint, len(b))
	}
	p := Point{new(big.Int).SetBytes(b[1 : 1+n]), new(big.Int).SetBytes(b[1+n:])}
	if !c.IsOnCurve(p.X, p.Y) { //nolint:staticcheck // brainpool curves exist only as elliptic.Curve (crypto/ecdh has none)
		return Point{}, ErrPoint
	}
	return p, nil
}

// RandomScalar reads a private key in [1, n-1] from r, as a big-endian
// number of the curve's byte length (values out of range are read again),
// so that known-answer tests can feed the exact keys.
func RandomScalar(c elliptic.Curve, r io.Reader) ([]byte, error) {
	n := c.Params().N
	buf := make([]byte, (n.BitLen()+7)/8)
	for range 100 {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		k := new(big.Int).SetBytes(buf)
		if k.Sign() > 0 && k.Cmp(n) < 0 {
			return append([]byte{}, buf...), nil
		}
	}
	return nil, errors.New("icao: no private key in range")
}

// Generator returns the curve's base point.
func Generator(c elliptic.Curve) Point { return Point{c.Params().Gx, c.Params().Gy} }

// Mul returns k·p.
func Mul(c elliptic.Curve, p Point, k []byte) Point {
	x, y := c.ScalarMult(p.X, p.Y, k) //nolint:staticcheck // PACE multiplies arbitrary points, brainpool too: crypto/ecdh cannot
	return Point{x, y}
}

// MapGeneric computes PACE's generic mapping Ĝ = s·G + H.
func MapGeneric(c elliptic.Curve, s []byte, h Point) Point {
	sx, sy := c.ScalarBaseMult(s)   //nolint:staticcheck // PACE's generic mapping needs s·G as a point, brainpool too: crypto/ecdh cannot
	x, y := c.Add(sx, sy, h.X, h.Y) //nolint:staticcheck // point addition (s·G + H) has no crypto/ecdh equivalent
	return Point{x, y}
}

// SharedX returns the x coordinate of k·p, padded to the field length: the
// shared secret of ECDH key agreement.
func SharedX(c elliptic.Curve, p Point, k []byte) []byte {
	q := Mul(c, p, k)
	out := make([]byte, ByteLen(c))
	q.X.FillBytes(out)
	return out
}

// PublicKeyTemplate encodes the public key data object 7F49 { 06 protocol, 86 point }
// that PACE authentication tokens are computed over.
func PublicKeyTemplate(protocolDER, point []byte) []byte {
	return Encode(0x7F49, protocolDER, Encode(0x86, point))
}

// Token computes a PACE authentication token: the MAC under KSmac of the
// other party's public key data object.
func Token(c Cipher, kmac, template []byte) ([]byte, error) {
	data := template
	if c == TDES {
		data = Pad(template, 8)
	}
	return MAC(c, kmac, data)
}
