package gateway_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/sandbox"
)

var auditMeta = lookups.CallMeta{Operator: "keyfile:0011223344556677", Purpose: gateway.PurposeAudit}

func hash(c byte) string { return strings.Repeat(string(c), 64) }

// The audit-head endpoints against the sandbox: the first head needs no base, a later one must
// extend the head held, the same head again is accepted, and a restarted sandbox with a store
// file still holds the heads.
func TestAuditHeads(t *testing.T) {
	ctx := context.Background()
	store := strings.Repeat("ab", 16)
	path := filepath.Join(t.TempDir(), "dossiers.jsonl")
	c, srv, _ := newPair(t, sandbox.Options{StorePath: path}, gateway.Config{})
	if _, found, err := c.AnchoredHead(ctx, store, auditMeta); err != nil || found {
		t.Fatalf("no head yet: %v %v", found, err)
	}
	if _, err := c.AnchorHead(ctx, store, gateway.AuditHeadUpdate{Seq: 3, Hash: hash('a'), Base: &gateway.HeadRef{Seq: 1, Hash: hash('0')}}, auditMeta); !errors.Is(err, gateway.ErrConflict) {
		t.Errorf("a first head with a base: %v, want ErrConflict", err)
	}
	h, err := c.AnchorHead(ctx, store, gateway.AuditHeadUpdate{Seq: 3, Hash: hash('a'), Agency: "DEMO.00004", Counter: 1}, auditMeta)
	if err != nil || h.Seq != 3 || h.Store != store {
		t.Fatalf("first head: %+v %v", h, err)
	}
	for _, bad := range []gateway.AuditHeadUpdate{
		{Seq: 5, Hash: hash('b')}, // no base
		{Seq: 5, Hash: hash('b'), Base: &gateway.HeadRef{Seq: 2, Hash: hash('a')}}, // another base
		{Seq: 5, Hash: hash('b'), Base: &gateway.HeadRef{Seq: 3, Hash: hash('c')}}, // diverged
	} {
		if _, err := c.AnchorHead(ctx, store, bad, auditMeta); !errors.Is(err, gateway.ErrConflict) {
			t.Errorf("%+v: %v, want ErrConflict", bad, err)
		}
	}
	if _, err := c.AnchorHead(ctx, store, gateway.AuditHeadUpdate{Seq: 3, Hash: hash('a')}, auditMeta); err != nil {
		t.Errorf("the same head again: %v", err)
	}
	if _, err := c.AnchorHead(ctx, store, gateway.AuditHeadUpdate{Seq: 2, Hash: hash('d'), Base: &gateway.HeadRef{Seq: 3, Hash: hash('a')}}, auditMeta); !errors.Is(err, gateway.ErrInvalidInput) {
		t.Errorf("a head before its base: %v, want ErrInvalidInput (refused before sending)", err)
	}
	if _, err := c.AnchorHead(ctx, store, gateway.AuditHeadUpdate{Seq: 9, Hash: hash('e'), Base: &gateway.HeadRef{Seq: 3, Hash: hash('a')}}, auditMeta); err != nil {
		t.Fatal(err)
	}
	if h, found, err := c.AnchoredHead(ctx, store, auditMeta); err != nil || !found || h.Seq != 9 || h.Hash != hash('e') {
		t.Errorf("anchored head: %+v %v %v", h, found, err)
	}
	if n := len(srv.AuditHeads(store)); n != 2 {
		t.Errorf("%d heads kept, want 2", n)
	}
	if _, _, err := c.AnchoredHead(ctx, "not-a-store", auditMeta); !errors.Is(err, gateway.ErrInvalidInput) {
		t.Errorf("bad store ID: %v", err)
	}
	srv.Close()

	again, err := sandbox.Open(pop, sandbox.Options{StorePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if hs := again.AuditHeads(store); len(hs) != 2 || hs[1].Seq != 9 {
		t.Errorf("heads after a restart: %+v", hs)
	}
}
