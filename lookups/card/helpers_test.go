package card

import (
	"bytes"
	"context"
	"encoding/hex"
	"motcua/lookups/card/icao"
	"strings"
	"testing"
)

// scripted is a card that answers a fixed conversation and fails the test
// on any command that differs from the script.
type scripted struct {
	t     *testing.T
	steps [][2][]byte // command, response
	i     int
}

func (s *scripted) ATR() []byte { return nil }

func (s *scripted) Transmit(_ context.Context, cmd []byte) ([]byte, error) {
	if s.i >= len(s.steps) {
		s.t.Fatalf("unexpected command %X after the script", cmd)
	}
	st := s.steps[s.i]
	s.i++
	if st[0] != nil && !bytes.Equal(cmd, st[0]) {
		s.t.Fatalf("command %d:\n got %X\nwant %X", s.i, cmd, st[0])
	}
	return st[1], nil
}

func vectors(t *testing.T, name string) icao.Vectors {
	t.Helper()
	v, err := icao.LoadVectors("icao/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func vhex(t *testing.T, v icao.Vectors, name string) []byte {
	t.Helper()
	b, err := v.Hex(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}
