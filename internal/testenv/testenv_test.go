package testenv

import (
	"slices"
	"testing"
)

func TestNoExitSleep(t *testing.T) {
	for _, tc := range []struct {
		env, want []string
	}{
		{[]string{"A=1"}, []string{"A=1", "GORACE=atexit_sleep_ms=0"}},
		{[]string{"GORACE=halt_on_error=1", "A=1"}, []string{"A=1", "GORACE=halt_on_error=1 atexit_sleep_ms=0"}},
		{[]string{"GORACE=atexit_sleep_ms=500", "A=1"}, []string{"A=1", "GORACE=atexit_sleep_ms=500"}},
	} {
		if got := NoExitSleep(tc.env); !slices.Equal(got, tc.want) {
			t.Errorf("NoExitSleep(%q) = %q, want %q", tc.env, got, tc.want)
		}
	}
}
