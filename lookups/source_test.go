package lookups

import (
	"encoding/json"
	"testing"
)

// Records written before the one vocabulary said "gateway" (and the
// in-process sandbox "sandbox") for a live look-up: they read as the database.
func TestValueSourceReadsOlderRecords(t *testing.T) {
	for in, want := range map[string]ValueSource{
		`"gateway"`: SourceDatabase, `"sandbox"`: SourceDatabase, `"database"`: SourceDatabase,
		`"cache"`: SourceCache, `"card"`: SourceCard, `"typed"`: SourceTyped,
	} {
		var o struct {
			S ValueSource `json:"s"`
		}
		if err := json.Unmarshal([]byte(`{"s":`+in+`}`), &o); err != nil || o.S != want {
			t.Errorf("%s read as %q (%v), want %q", in, o.S, err, want)
		}
	}
	b, err := json.Marshal(Origin{Source: SourceCache})
	if err != nil || string(b) != `{"source":"cache","fetchedAt":"0001-01-01T00:00:00Z"}` {
		t.Errorf("origin written as %s (%v)", b, err)
	}
	if !SourceCache.FromDatabase() || SourceClerk.FromDatabase() || !SourceQR.FromCard() {
		t.Error("FromDatabase/FromCard wrong")
	}
	if SourceDatabase.Label() != "CSDL" || ValueSource("x").Label() != "x" {
		t.Error("labels wrong")
	}
}
