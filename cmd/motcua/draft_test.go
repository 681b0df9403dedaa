package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"motcua/forms"
	"motcua/internal/demo"
	"motcua/offline"
)

// A volunteer's draft travels to a clerk's counter in a file sealed with a
// one-time code; the volunteer's copy is gone afterwards.
func TestDraftHandoff(t *testing.T) {
	t.Parallel()
	isolate(t)
	volDir, clerkDir := demoStore(t), t.TempDir() // the clerk's store made afresh: another store's keys
	env, err := demo.Start(context.Background(), volDir)
	if err != nil {
		t.Fatal(err)
	}
	env.Close()
	spec, _ := forms.Lookup("xac-nhan-tthn")
	decl := forms.NewDeclaration(spec, forms.Env{Agency: "UBND PHƯỜNG THỬ", Place: "Phường Thử", Now: time.Now()})
	if err := decl.Set("subject_name", "Trần Thị Mẫu Bàn Giao"); err != nil {
		t.Fatal(err)
	}
	blob, err := decl.MarshalDraft()
	if err != nil {
		t.Fatal(err)
	}
	st, err := offline.UnlockWithKeyFile(volDir, filepath.Join(volDir, "demo.key"), offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(tx *offline.Tx) error {
		return tx.PutDraft(offline.DraftInfo{ID: "d0001", Service: spec.ID, Operator: demo.VolunteerID}, blob)
	}); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "handoff.bin")
	r := runCLI(t, "draft", "export", "d0001", file, "--demo", "--data-dir", volDir, "--operator", demo.VolunteerID)
	if r.code != exitOK {
		t.Fatalf("export: %s", r)
	}
	code := regexp.MustCompile(`[a-s]{4}-[a-s]{4}-[a-s]{4}-[a-s]{4}`).FindString(r.stdout)
	if code == "" {
		t.Fatalf("no code printed:\n%s", r)
	}
	r = runCLI(t, "draft", "list", "--demo", "--data-dir", volDir, "--json")
	if r.code != exitOK || strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("the volunteer still holds the draft:\n%s", r)
	}

	r = runCLI(t, "draft", "import", file, "--code", "abcd-abcd-abcd-abcd", "--demo", "--data-dir", clerkDir)
	if r.code != exitFailure {
		t.Fatalf("a wrong code must fail:\n%s", r)
	}
	r = runCLI(t, "draft", "import", file, "--code", code, "--demo", "--data-dir", clerkDir, "--operator", demo.VolunteerID)
	if r.code != exitFailure || !strings.Contains(r.stderr, "cần quyền") {
		t.Fatalf("a volunteer must not import:\n%s", r)
	}
	r = runCLI(t, "draft", "import", file, "--code", code, "--demo", "--data-dir", clerkDir)
	if r.code != exitOK || !strings.Contains(r.stdout, "F3") {
		t.Fatalf("import: %s", r)
	}
	r = runCLI(t, "draft", "list", "--demo", "--data-dir", clerkDir, "--json")
	var list []offline.DraftInfo
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &list) != nil || len(list) != 1 || list[0].Service != spec.ID {
		t.Fatalf("clerk's drafts:\n%s", r)
	}
	cst, err := offline.UnlockWithKeyFile(clerkDir, filepath.Join(clerkDir, "demo.key"), offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	if err := cst.View(func(tx *offline.Tx) error {
		var err error
		got, _, err = tx.GetDraft(list[0].ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	d2, err := forms.RestoreDraft(got)
	if err != nil || d2.Value("subject_name") != "Trần Thị Mẫu Bàn Giao" {
		t.Fatalf("restored draft: %v %q", err, d2.Value("subject_name"))
	}
}
