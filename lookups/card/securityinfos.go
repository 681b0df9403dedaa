package card

import (
	"crypto/elliptic"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"motcua/lookups/card/icao"
)

// SecurityInfos is what EF.CardAccess or DG14 announce.
type SecurityInfos struct {
	PACE     []PACEInfo
	ChipAuth []CAInfo
	ChipKeys []CAKey
	AASigAlg asn1.ObjectIdentifier // from ActiveAuthenticationInfo (ECDSA AA)
	TA       bool
	Unknown  int // entries not recognised
}

// CAInfo is a ChipAuthenticationInfo.
type CAInfo struct {
	Protocol asn1.ObjectIdentifier
	Version  int
	KeyID    int // -1 when absent
}

// CAKey is a ChipAuthenticationPublicKeyInfo (ECDH keys only).
type CAKey struct {
	Curve elliptic.Curve
	Point icao.Point
	KeyID int // -1 when absent
}

type securityInfo struct {
	Protocol asn1.ObjectIdentifier
	Rest     []asn1.RawValue // the elements after the protocol
}

// parseSecurityInfo splits SEQUENCE { OID, ... } into its protocol and the
// raw elements that follow it.
func parseSecurityInfo(b []byte) (securityInfo, error) {
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(b, &seq); err != nil {
		return securityInfo{}, err
	}
	if seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return securityInfo{}, errors.New("not a SEQUENCE")
	}
	var si securityInfo
	rest, err := asn1.Unmarshal(seq.Bytes, &si.Protocol)
	if err != nil {
		return securityInfo{}, err
	}
	for len(rest) > 0 {
		var r asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &r); err != nil {
			return securityInfo{}, err
		}
		si.Rest = append(si.Rest, r)
	}
	return si, nil
}

// ParseSecurityInfos decodes a DER SET OF SecurityInfo (EF.CardAccess
// directly, DG14 inside its 6E tag).
func ParseSecurityInfos(b []byte) (*SecurityInfos, error) {
	if len(b) > 0 && b[0] == 0x6E {
		t, _, err := icao.ParseTLV(b)
		if err != nil {
			return nil, ldsErr("DG14", err)
		}
		b = t.Value
	}
	var set []asn1.RawValue
	if _, err := asn1.UnmarshalWithParams(b, &set, "set"); err != nil {
		return nil, ldsErr("SecurityInfos", err)
	}
	out := &SecurityInfos{}
	for _, raw := range set {
		si, err := parseSecurityInfo(raw.FullBytes)
		if err != nil || len(si.Protocol) == 0 {
			out.Unknown++
			continue
		}
		p := si.Protocol
		switch {
		case hasPrefix(p, icao.OIDPACE):
			info := PACEInfo{Protocol: p}
			if len(si.Rest) > 0 {
				info.Version = intOf(si.Rest[0])
			}
			if len(si.Rest) > 1 {
				info.ParamID = intOf(si.Rest[1])
			}
			out.PACE = append(out.PACE, info)
		case hasPrefix(p, icao.OIDPKECDH) && len(p) == len(icao.OIDPKECDH):
			key, err := parseCAKey(si.Rest)
			if err != nil {
				out.Unknown++
				continue
			}
			out.ChipKeys = append(out.ChipKeys, key)
		case hasPrefix(p, icao.OIDCA) && len(p) > len(icao.OIDCA)+1:
			info := CAInfo{Protocol: p, KeyID: -1}
			if len(si.Rest) > 0 {
				info.Version = intOf(si.Rest[0])
			}
			if len(si.Rest) > 1 {
				info.KeyID = intOf(si.Rest[1])
			}
			out.ChipAuth = append(out.ChipAuth, info)
		case hasPrefix(p, icao.OIDTA):
			out.TA = true
		case p.Equal(icao.OIDAA):
			if len(si.Rest) > 1 {
				var alg asn1.ObjectIdentifier
				if _, err := asn1.Unmarshal(si.Rest[1].FullBytes, &alg); err == nil {
					out.AASigAlg = alg
				}
			}
		default:
			out.Unknown++
		}
	}
	return out, nil
}

func hasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) >= len(prefix) && oid[:len(prefix)].Equal(prefix)
}

func intOf(r asn1.RawValue) int {
	var n int
	if _, err := asn1.Unmarshal(r.FullBytes, &n); err != nil {
		return -1
	}
	return n
}

type spki struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

type ecParameters struct {
	Version int
	FieldID struct {
		Type  asn1.ObjectIdentifier
		Prime *big.Int
	}
	Curve struct {
		A, B []byte
		Seed asn1.BitString `asn1:"optional"`
	}
	Base     []byte
	Order    *big.Int
	Cofactor int `asn1:"optional"`
}

func parseCAKey(rest []asn1.RawValue) (CAKey, error) {
	if len(rest) == 0 {
		return CAKey{}, errors.New("no key")
	}
	var k spki
	if _, err := asn1.Unmarshal(rest[0].FullBytes, &k); err != nil {
		return CAKey{}, err
	}
	key := CAKey{KeyID: -1}
	if len(rest) > 1 {
		key.KeyID = intOf(rest[1])
	}
	curve, err := curveOfParams(k.Algorithm.Parameters)
	if err != nil {
		return CAKey{}, err
	}
	p, err := icao.ParsePoint(curve, k.PublicKey.RightAlign())
	if err != nil {
		return CAKey{}, err
	}
	key.Curve, key.Point = curve, p
	return key, nil
}

// curveOfParams reads EC domain parameters given as a named curve, a
// standardized parameter ID, or explicitly.
func curveOfParams(params asn1.RawValue) (elliptic.Curve, error) {
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(params.FullBytes, &oid); err == nil {
		return icao.CurveByOID(oid)
	}
	var id int
	if _, err := asn1.Unmarshal(params.FullBytes, &id); err == nil {
		return icao.CurveByParamID(id)
	}
	var ep ecParameters
	if _, err := asn1.Unmarshal(params.FullBytes, &ep); err != nil {
		return nil, fmt.Errorf("domain parameters: %v", err)
	}
	if ep.FieldID.Prime == nil || len(ep.Base) < 3 {
		return nil, errors.New("explicit parameters without prime or base")
	}
	n := (len(ep.Base) - 1) / 2
	return icao.CurveByPrime(ep.FieldID.Prime.Bytes(), ep.Base[1:1+n])
}
