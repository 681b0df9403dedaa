package card

import (
	"context"
	"testing"
)

func TestReadNeedsAKey(t *testing.T) {
	_, err := Read(context.Background(), &scripted{t: t}, Key{}, Options{}, nil)
	if err != ErrNoKey {
		t.Fatalf("%v", err)
	}
}
