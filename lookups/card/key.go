package card

import (
	"fmt"
	"motcua/lookups/card/icao"
	"strings"
)

// Key is the access key the clerk or a scan supplies.
type Key struct {
	CAN string // 6 digits: the last 6 of the personal ID number
	// MRZ key for BAC (and PACE with the MRZ): document number (the last 9
	// digits of the ID on Vietnamese cards), birth and expiry dates YYMMDD.
	DocNo, Birth, Expiry string
}

// KeyFromID builds the key from a 12-digit personal ID: its last 6 digits are the CAN.
func KeyFromID(id string) Key {
	if len(id) >= 6 {
		return Key{CAN: id[len(id)-6:]}
	}
	return Key{}
}

// KeyFromDigits reads what a clerk types to open a chip: the 12-digit ID
// or its last 6 digits (the CAN). ok is false for anything else.
func KeyFromDigits(s string) (k Key, ok bool) {
	if (len(s) != 12 && len(s) != 6) || !allDigits(s) {
		return Key{}, false
	}
	return KeyFromID(s), true
}

// ParseMRZKey reads "DOCNO/YYMMDD/YYMMDD".
func ParseMRZKey(s string) (Key, error) {
	parts := strings.Split(strings.ToUpper(strings.TrimSpace(s)), "/")
	if len(parts) != 3 || len(parts[1]) != 6 || len(parts[2]) != 6 || parts[0] == "" {
		return Key{}, fmt.Errorf("MRZ key must be DOCNO/YYMMDD/YYMMDD")
	}
	k := Key{DocNo: parts[0], Birth: parts[1], Expiry: parts[2]}
	if _, err := icao.MRZInfo(k.DocNo, k.Birth, k.Expiry); err != nil {
		return Key{}, err
	}
	return k, nil
}

func (k Key) hasMRZ() bool { return k.DocNo != "" && k.Birth != "" && k.Expiry != "" }
