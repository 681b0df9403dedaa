package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// docs/FORMS-STATS.md is the output of `motcua forms stats --markdown`:
// change a spec, regenerate it (the test prints the command).
func TestFormsStatsDocUpToDate(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run([]string{"forms", "stats", "--markdown"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	doc, err := os.ReadFile("../../docs/FORMS-STATS.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, out.Bytes()) {
		t.Fatal("docs/FORMS-STATS.md is stale: run `go run ./cmd/motcua forms stats --markdown > docs/FORMS-STATS.md`")
	}
}

func TestFormsListJSON(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run([]string{"forms", "list", "--json"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var list []struct {
		ID         string
		Name       string
		Bundle     bool
		Procedures []struct{ ID, Name, Agency string }
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	bundles := 0
	for _, s := range list {
		if s.Name == "" || len(s.Procedures) == 0 {
			t.Errorf("service %+v lacks a name or procedures", s)
		}
		if s.Bundle {
			bundles++
			if len(s.Procedures) != 3 {
				t.Errorf("bundle %s has %d procedures, want 3", s.ID, len(s.Procedures))
			}
		}
	}
	if len(list) < 9 || bundles != 2 {
		t.Fatalf("%d services, %d bundles; want at least 9 and 2", len(list), bundles)
	}
}
