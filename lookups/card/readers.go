package card

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoService says the PC/SC service is not running.
var ErrNoService = errors.New("card: PC/SC service not running")

// ReaderInfo describes one attached reader.
type ReaderInfo struct {
	Name        string
	Contactless bool // by its name: contactless readers say so
	CardPresent bool
	ATR         []byte `json:"-"`
}

// ReaderEvent is a change seen by Watch.
type ReaderEvent struct {
	Readers []ReaderInfo // the readers now attached, with their card state
	Err     error        // the service failed; Watch retries
}

func isContactless(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"contactless", "picc", "nfc", " cl ", "-cl", "virtual pcd", "acr122", "acr1252", "omnikey 5", "identiv 37"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Pick chooses a reader: the one whose name contains name (case folded),
// else the first contactless one, else the only one.
func Pick(readers []ReaderInfo, name string) (ReaderInfo, error) {
	if len(readers) == 0 {
		return ReaderInfo{}, ErrNoReader
	}
	if name != "" {
		for _, r := range readers {
			if strings.Contains(strings.ToLower(r.Name), strings.ToLower(name)) {
				return r, nil
			}
		}
		return ReaderInfo{}, fmt.Errorf("%w: none named %q", ErrNoReader, name)
	}
	for _, r := range readers {
		if r.Contactless {
			return r, nil
		}
	}
	return readers[0], nil
}
