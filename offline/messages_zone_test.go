package offline

import (
	"strings"
	"testing"
	"time"
)

// A second counter is told since when the first one runs in the counter's
// zone, not in the zone of the process (a service started in UTC).
func TestCounterLockedMessageInTheCountersZone(t *testing.T) {
	err := &CounterLockedError{Holder: CounterHolder{Host: "quay-01", PID: 42, Since: time.Date(2026, 11, 23, 2, 45, 0, 0, time.UTC)}}
	ict := time.FixedZone("ICT", 7*3600)
	if msg := ClerkMessageIn(err, ict); !strings.Contains(msg, "từ 09:45 23/11/2026") {
		t.Fatalf("message %q: want the time in the counter's zone (09:45)", msg)
	}
}
