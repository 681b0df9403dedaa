package gateway

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"motcua/lookups"
)

// Audit heads: each counter's store sends the head of its audit chain (sequence number and
// chain hash of the last entry) with every sync, and the gateway keeps the heads it saw per
// store, so that a counter whose audit log was put back to an older copy is caught: its chain
// lacks the head anchored upstream (offline/anchor.go). The gateway only stores heads; it
// refuses one that does not extend the head it holds (the client says which head it extends,
// after checking that its chain contains it).

// PurposeAudit is the X-Purpose of the audit-head calls.
const PurposeAudit = "audit"

// CodeAuditHeadConflict says the head sent does not extend the head the gateway holds (409).
const CodeAuditHeadConflict = "audit_head_conflict"

// AuditHead is a head of a store's audit chain as the gateway keeps it.
type AuditHead struct {
	Store      string    `json:"store"` // the store's ID, 32 hex digits
	Seq        uint64    `json:"seq"`
	Hash       string    `json:"hash"` // 64 hex digits
	AnchoredAt time.Time `json:"anchoredAt"`
}

// HeadRef is a head without its bookkeeping: what an update extends.
type HeadRef struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// AuditHeadUpdate is the body of PUT /v1/audit-heads/{store}: the new head, the head it
// extends (nil for a store's first head), and which counter sends it (for the people who read
// the gateway's records).
type AuditHeadUpdate struct {
	Seq     uint64   `json:"seq"`
	Hash    string   `json:"hash"`
	Base    *HeadRef `json:"base,omitempty"`
	Agency  string   `json:"agency,omitempty"`
	Counter int      `json:"counter,omitempty"`
}

// ValidStoreID reports whether s is a store ID as the contract has it (32 lower-case hex digits).
func ValidStoreID(s string) bool { return len(s) == 32 && validHex(s) }

// ValidChainHash reports whether s is a chain hash (64 lower-case hex digits).
func ValidChainHash(s string) bool { return len(s) == 64 && validHex(s) }

func validHex(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && hex.EncodeToString(b) == s
}

// Validate reports what is wrong with an update (English, for logs and the 400 answer).
func (u AuditHeadUpdate) Validate() error {
	switch {
	case !ValidChainHash(u.Hash):
		return errors.New("audit head: hash is not 64 hex digits")
	case u.Base != nil && !ValidChainHash(u.Base.Hash):
		return errors.New("audit head: base hash is not 64 hex digits")
	case u.Base != nil && u.Base.Seq > u.Seq:
		return errors.New("audit head: goes back from its base")
	case len(u.Agency) > 64 || u.Counter < 0 || u.Counter > 999:
		return errors.New("audit head: agency or counter out of range")
	}
	return nil
}

// AnchoredHead returns the last head the gateway holds for store; found is false when it holds
// none.
func (c *Client) AnchoredHead(ctx context.Context, store string, meta lookups.CallMeta) (h AuditHead, found bool, err error) {
	if err := meta.Validate(); err != nil {
		return AuditHead{}, false, &Error{Op: "audit-head", kind: ErrMissingMeta, Err: err}
	}
	if !ValidStoreID(store) {
		return AuditHead{}, false, &Error{Op: "audit-head", kind: ErrInvalidInput, Err: errors.New("store ID is not 32 hex digits")}
	}
	err = c.do(ctx, &call{op: "audit-head", method: http.MethodGet, path: BasePath + "/audit-heads/" + store, meta: &meta,
		limit: MaxBodyBytes, decode: strictInto(&h)})
	if errors.Is(err, lookups.ErrNotFound) {
		return AuditHead{}, false, nil
	}
	if err != nil {
		return AuditHead{}, false, err
	}
	if h.Store != store || !ValidChainHash(h.Hash) {
		return AuditHead{}, false, &Error{Op: "audit-head", Status: http.StatusOK, kind: ErrBadResponse,
			Err: errors.New("answer is about another store or has no chain hash")}
	}
	return h, true, nil
}

// AnchorHead sends a new head for store. A head that does not extend the one the gateway
// holds gives an error matching ErrConflict (fetch the head again). The call is made once:
// the next sync sends the head again.
func (c *Client) AnchorHead(ctx context.Context, store string, u AuditHeadUpdate, meta lookups.CallMeta) (AuditHead, error) {
	if err := meta.Validate(); err != nil {
		return AuditHead{}, &Error{Op: "audit-anchor", kind: ErrMissingMeta, Err: err}
	}
	if !ValidStoreID(store) {
		return AuditHead{}, &Error{Op: "audit-anchor", kind: ErrInvalidInput, Err: errors.New("store ID is not 32 hex digits")}
	}
	if err := u.Validate(); err != nil {
		return AuditHead{}, &Error{Op: "audit-anchor", kind: ErrInvalidInput, Err: err}
	}
	body, err := json.Marshal(u)
	if err != nil {
		return AuditHead{}, &Error{Op: "audit-anchor", kind: ErrInvalidInput, Err: err}
	}
	var h AuditHead
	if err := c.do(ctx, &call{op: "audit-anchor", method: http.MethodPut, path: BasePath + "/audit-heads/" + store, meta: &meta,
		body: body, limit: MaxBodyBytes, decode: strictInto(&h)}); err != nil {
		return AuditHead{}, err
	}
	if h.Store != store || h.Seq != u.Seq || h.Hash != u.Hash {
		return AuditHead{}, &Error{Op: "audit-anchor", Status: http.StatusOK, kind: ErrBadResponse,
			Err: fmt.Errorf("the gateway holds head %d, not the one sent (%d)", h.Seq, u.Seq)}
	}
	return h, nil
}
