package offline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Dossier codes: "<agency>-<YYMMDD>-<CCNNNN>", CC the counter number (01..99), NNNN the
// counter's running number of the day (0001..9999), persisted per agency, day and counter.

// MaxDossiersPerDay is how many codes one counter can issue in a day.
const MaxDossiersPerDay = 9999

// ErrSequenceExhausted is returned when a counter has used all codes of a day.
var ErrSequenceExhausted = errors.New("offline: dossier sequence of the day exhausted")

// ValidAgencyCode reports whether s can be the agency part of a dossier code: 1 to 32
// ASCII letters, digits and dots (e.g. "000.00.12.H62", "G22.99.08"); no hyphen.
func ValidAgencyCode(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

// FormatDossierCode builds the code of the n-th dossier of the day at the counter.
func FormatDossierCode(agency string, counter int, day time.Time, n int) string {
	return fmt.Sprintf("%s-%s-%02d%04d", agency, day.Format("060102"), counter, n)
}

// NextDossierCode reserves and returns the next dossier code of the day (day's calendar date
// in its own location) for the counter. A code already used by a stored dossier is skipped.
func (t *Tx) NextDossierCode(agency string, counter int, day time.Time) (string, error) {
	if !ValidAgencyCode(agency) {
		return "", fmt.Errorf("offline: invalid agency code %q", agency)
	}
	if counter < 1 || counter > 99 {
		return "", fmt.Errorf("offline: counter number %d outside 1..99", counter)
	}
	seq, err := t.bucket(bucketSeq)
	if err != nil {
		return "", err
	}
	idx, err := t.bucket(bucketDossierIndex)
	if err != nil {
		return "", err
	}
	key := []byte(fmt.Sprintf("%s|%s|%02d", agency, day.Format("060102"), counter))
	var n uint32
	if v := seq.Get(key); v != nil {
		if len(v) != 4 {
			return "", fmt.Errorf("offline: dossier sequence %q has %d bytes", key, len(v))
		}
		n = binary.BigEndian.Uint32(v)
	}
	for {
		if n >= MaxDossiersPerDay {
			return "", fmt.Errorf("%w: agency %s, counter %02d, %s", ErrSequenceExhausted, agency, counter, day.Format("2006-01-02"))
		}
		n++
		code := FormatDossierCode(agency, counter, day, int(n))
		if idx.Get([]byte(code)) != nil {
			continue
		}
		var v [4]byte
		binary.BigEndian.PutUint32(v[:], n)
		if err := seq.Put(key, v[:]); err != nil {
			return "", fmt.Errorf("offline: saving dossier sequence: %w", err)
		}
		return code, nil
	}
}
