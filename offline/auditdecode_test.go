package offline

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// The audit log's fast reader reads every record as it is written exactly as encoding/json
// does, and whatever else it accepts (any one byte of a record deleted, replaced or doubled)
// encoding/json accepts and reads the same: it never makes a verification pass or fail that
// encoding/json would not.
func TestDecodeAuditFastIsJSON(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	records := []AuditRecord{
		{AccessEntry: AccessEntry{Seq: 1, Time: time.Date(2026, 1, 2, 7, 30, 0, 0, loc), Operator: "cb01", Purpose: "reception",
			Action: ActionLookup, Subject: "ab12", Outcome: "ok"}, Prev: "00ff", MAC: "1234"},
		{AccessEntry: AccessEntry{Seq: 18446744073709551615, Time: time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC),
			Operator: "gs01", Purpose: PurposeAdmin, Action: ActionPurge, Detail: "lookups=12"}, Prev: "aa", Hash: "bb", MAC: "cc"},
		{AccessEntry: AccessEntry{Time: time.Date(2026, 5, 5, 5, 5, 5, 0, loc), Operator: "Người Thử", Purpose: "dossier",
			Action: ActionView, DossierCode: "G22.99.08-260505-010001", Outcome: "a&b<c>"}, Prev: "", MAC: ""},
		{AccessEntry: AccessEntry{Seq: 7, Operator: "x\"y\\z\n", Purpose: "p", Action: "a"}, Prev: "p", MAC: "m"},
	}
	fastOnes := 0
	for _, rec := range records {
		v, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		var want AuditRecord
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatal(err)
		}
		var got AuditRecord
		if decodeAuditFast(v, &got) {
			fastOnes++
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s\nfast %+v\njson %+v", v, got, want)
			}
		}
		mutants := 0
		check := func(m []byte) {
			var fast AuditRecord
			if !decodeAuditFast(m, &fast) {
				return
			}
			mutants++
			var slow AuditRecord
			if err := json.Unmarshal(m, &slow); err != nil {
				t.Errorf("fast reader accepts %q, encoding/json refuses it: %v", m, err)
			} else if !reflect.DeepEqual(fast, slow) {
				t.Errorf("%q\nfast %+v\njson %+v", m, fast, slow)
			}
		}
		for i := range v {
			check(append(append([]byte{}, v[:i]...), v[i+1:]...))                                     // deleted
			check(append(append([]byte{}, v[:i+1]...), v[i:]...))                                     // doubled
			for _, c := range []byte{' ', '"', '\\', ',', '0', '9', 'a', '\n', 0xff, '}', '{', '-'} { // replaced
				m := append([]byte{}, v...)
				m[i] = c
				check(m)
			}
		}
		if mutants == 0 && decodeAuditFast(v, &got) {
			t.Errorf("%s: no mutant read at all", v)
		}
	}
	// the first two are the form the store writes for the counter's entries; the last two
	// hold characters encoding/json escapes (HTML ones, quotes, backslashes, control
	// characters): they go through encoding/json
	if fastOnes != 2 {
		t.Errorf("the fast reader read %d of the 4 records, want the 2 without escapes", fastOnes)
	}
}
