package offline

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"
)

func TestDrafts(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	s, err := Open(dir, Options{Sealer: &markSealer{}, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	blob := []byte(`{"name":"Trần Thị Mẫu Nháp","id":"001196000123"}`)
	if err := s.Update(func(tx *Tx) error {
		return tx.PutDraft(DraftInfo{ID: "d1", Service: "khai-sinh", Operator: "cb01", Step: "child_name"}, blob)
	}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if err := s.Update(func(tx *Tx) error {
		if err := tx.PutDraft(DraftInfo{ID: "d2", Service: "xac-nhan-tthn", Operator: "cb01"}, []byte("{}")); err != nil {
			return err
		}
		return tx.PutDraft(DraftInfo{ID: "d1", Service: "khai-sinh", Operator: "cb02", Step: "mother"}, blob)
	}); err != nil {
		t.Fatal(err)
	}
	var list []DraftInfo
	var got []byte
	var info DraftInfo
	if err := s.View(func(tx *Tx) error {
		var err error
		if list, err = tx.ListDrafts(); err != nil {
			return err
		}
		got, info, err = tx.GetDraft("d1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "d1" || list[1].ID != "d2" {
		t.Fatalf("list = %+v", list)
	}
	if !bytes.Equal(got, blob) || info.Operator != "cb02" || info.Step != "mother" ||
		!info.CreatedAt.Equal(now.Add(-time.Minute)) || !info.UpdatedAt.Equal(now) {
		t.Fatalf("draft d1: %s %+v", got, info)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DeleteDraft("d1") }); err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error { _, _, err := tx.GetDraft("d1"); return err })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted draft: err = %v", err)
	}
	// the personal content is sealed: not in the file in plain text
	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("Mẫu Nháp")) || bytes.Contains(raw, []byte("001196000123")) {
		t.Fatal("draft content found in plain text in the data file")
	}
	if err := s.Update(func(tx *Tx) error { return tx.PutDraft(DraftInfo{ID: "bad id", Service: "x", Operator: "y"}, nil) }); err == nil {
		t.Fatal("a draft id with a space must be refused")
	}
}
