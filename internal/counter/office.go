package counter

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"motcua/forms"
	"motcua/lookups"
	"motcua/offline"
)

// Office is the counter's use cases that need only the store (no gateway): the dossiers,
// receipts, drafts and cache kept on this machine, the outbox, operators, key files and the
// audit log. Each checks the rights table (rights.go) first. A Service embeds one.
type Office struct {
	store *offline.Store
	*guard
}

// NewOffice returns the use cases over store (unlocked).
func NewOffice(store *offline.Store) *Office {
	return &Office{store: store, guard: newGuard(store)}
}

// Who returns the operator acting through the store when a front end names id; see guard.Who.
func (o *Office) Who(id string) (Operator, error) { return o.guard.Who(id) }

// Allow returns nil when op may do a, else a *ForbiddenError; front ends ask it before work
// that the use cases would refuse anyway (a batch run before reading its file).
func (o *Office) Allow(op Operator, a Action) error { return o.guard.Allow(op, a) }

// actorID is the ID written in the access log for op.
func (o *Office) actorID(op Operator) string {
	if op.ID != "" {
		return op.ID
	}
	if h := o.store.Holder(); h.Operator.ID != "" {
		return h.Operator.ID
	}
	if a := o.store.Actor(); a != "" {
		return a
	}
	return "local"
}

// ---- dossiers and receipts

// Dossiers lists the dossiers received on this machine (index only: no personal data).
func (o *Office) Dossiers(op Operator, f offline.DossierFilter) ([]offline.DossierInfo, error) {
	if err := o.Allow(op, ActDossierList); err != nil {
		return nil, err
	}
	var out []offline.DossierInfo
	err := o.store.View(func(tx *offline.Tx) error {
		var err error
		out, err = tx.ListDossiers(f)
		return err
	})
	return out, err
}

// LastDossiers lists the last n dossiers received on this machine that match f (n <= 0: all),
// newest first (index only: no personal data). Only those n are read from the store.
func (o *Office) LastDossiers(op Operator, n int, f offline.DossierFilter) ([]offline.DossierInfo, error) {
	if err := o.Allow(op, ActDossierList); err != nil {
		return nil, err
	}
	var out []offline.DossierInfo
	err := o.store.View(func(tx *offline.Tx) error {
		var err error
		out, err = tx.LastDossiers(n, f)
		return err
	})
	return out, err
}

// Dossier opens a dossier with its personal data; the access is logged.
func (o *Office) Dossier(op Operator, code string) (*forms.Dossier, error) {
	if err := o.Allow(op, ActDossierShow); err != nil {
		return nil, err
	}
	var blob []byte
	err := o.store.Update(func(tx *offline.Tx) error {
		var err error
		if blob, _, err = tx.GetDossier(code); err != nil {
			return err
		}
		return tx.LogAccess(offline.AccessEntry{Operator: o.actorID(op), Purpose: lookups.PurposeCheck,
			Action: offline.ActionView, DossierCode: code, Outcome: "ok"})
	})
	if err != nil {
		return nil, err
	}
	var d forms.Dossier
	if err := json.Unmarshal(blob, &d); err != nil {
		return nil, fmt.Errorf("counter: stored dossier %s: %w", code, err)
	}
	return &d, nil
}

// ReceiptPDF returns the kept receipt of a dossier for a reprint; the reprint is logged.
func (o *Office) ReceiptPDF(op Operator, code string) ([]byte, error) {
	if err := o.Allow(op, ActReceiptPrint); err != nil {
		return nil, err
	}
	var pdf []byte
	err := o.store.Update(func(tx *offline.Tx) error {
		var err error
		if pdf, err = tx.GetReceipt(code); err != nil {
			return err
		}
		return tx.LogAccess(offline.AccessEntry{Operator: o.actorID(op), Purpose: lookups.PurposeCheck,
			Action: offline.ActionPrint, DossierCode: code, Outcome: "reprint"})
	})
	return pdf, err
}

// Outbox lists the outbox (codes, states, reasons: no personal data).
func (o *Office) Outbox(op Operator, states ...offline.OutboxState) ([]offline.OutboxEntry, error) {
	if err := o.Allow(op, ActQueueList); err != nil {
		return nil, err
	}
	return o.store.ListOutbox(states...)
}

// ---- the look-up cache

// CacheStats counts the cached look-ups (ttl: the time limit).
func (o *Office) CacheStats(op Operator, ttl time.Duration) (offline.CacheStats, error) {
	if err := o.Allow(op, ActCacheStats); err != nil {
		return offline.CacheStats{}, err
	}
	return o.store.CacheStats(ttl)
}

// PurgeCache removes every cached look-up (every operator's: a clerk's or a supervisor's
// decision), or with expiredOnly those older than ttl (anyone), then compacts the file.
func (o *Office) PurgeCache(op Operator, expiredOnly bool, ttl time.Duration) (removed int, before, after int64, err error) {
	act := ActCachePurge
	if expiredOnly {
		act = ActCacheSweep
	}
	if err := o.Allow(op, act); err != nil {
		return 0, 0, 0, err
	}
	if expiredOnly {
		removed, err = o.store.SweepLookups(ttl)
	} else {
		removed, err = o.store.PurgeLookups()
	}
	if err != nil {
		return removed, 0, 0, err
	}
	before, after, err = o.store.Compact()
	return removed, before, after, err
}

// ---- drafts

// draftOpen checks that op may open the draft of info: a volunteer only their own.
func (o *Office) draftOpen(op Operator, info offline.DraftInfo) error {
	if err := o.Allow(op, ActDraftOwn); err != nil {
		return err
	}
	if err := o.Allow(op, ActDraftAll); err != nil && info.Operator != o.actorID(op) {
		return err
	}
	return nil
}

// DraftList lists the declarations in progress that op may open, most recent first.
func (o *Office) DraftList(op Operator) ([]offline.DraftInfo, error) {
	if err := o.Allow(op, ActDraftOwn); err != nil {
		return nil, err
	}
	var all []offline.DraftInfo
	if err := o.store.View(func(tx *offline.Tx) error {
		var err error
		all, err = tx.ListDrafts()
		return err
	}); err != nil {
		return nil, err
	}
	if o.can(op, ActDraftAll) {
		return all, nil
	}
	who := o.actorID(op)
	var out []offline.DraftInfo
	for _, d := range all {
		if d.Operator == who {
			out = append(out, d)
		}
	}
	return out, nil
}

// Draft returns a draft's sealed content (opened) for op.
func (o *Office) Draft(op Operator, id string) ([]byte, offline.DraftInfo, error) {
	if err := o.Allow(op, ActDraftOwn); err != nil {
		return nil, offline.DraftInfo{}, err
	}
	var (
		blob []byte
		info offline.DraftInfo
	)
	if err := o.store.View(func(tx *offline.Tx) error {
		var err error
		blob, info, err = tx.GetDraft(id)
		return err
	}); err != nil {
		return nil, info, err
	}
	if err := o.draftOpen(op, info); err != nil {
		return nil, info, err
	}
	return blob, info, nil
}

// HandedOff records that op wrote a draft to a handoff file, and deletes this machine's copy
// unless keep.
func (o *Office) HandedOff(op Operator, id string, keep bool) error {
	if _, _, err := o.Draft(op, id); err != nil {
		return err
	}
	return o.store.Update(func(tx *offline.Tx) error {
		if !keep {
			if err := tx.DeleteDraft(id); err != nil {
				return err
			}
		}
		return tx.LogAccess(offline.AccessEntry{Operator: o.actorID(op), Purpose: lookups.PurposeDossier,
			Action: offline.ActionExport, Outcome: "ok", Detail: "draft=" + id})
	})
}

// ImportDraft keeps a handed-off draft (already opened with its code) as a draft of op, and
// returns its new ID.
func (o *Office) ImportDraft(op Operator, service string, blob []byte) (string, error) {
	if err := o.Allow(op, ActDraftImport); err != nil {
		return "", err
	}
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw[:])
	who := o.actorID(op)
	err := o.store.Update(func(tx *offline.Tx) error {
		if err := tx.PutDraft(offline.DraftInfo{ID: id, Service: service, Operator: who, Step: "handoff"}, blob); err != nil {
			return err
		}
		return tx.LogAccess(offline.AccessEntry{Operator: who, Purpose: lookups.PurposeDossier,
			Action: offline.ActionStore, Outcome: "ok", Detail: "draft-import=" + id})
	})
	return id, err
}

// ---- operators, key files, audit log

// Operators lists the operators (no citizen's data).
func (o *Office) Operators(op Operator) ([]offline.Operator, error) {
	if err := o.Allow(op, ActOperatorList); err != nil {
		return nil, err
	}
	return o.store.Operators()
}

// AddOperator adds an operator with a passphrase.
func (o *Office) AddOperator(op Operator, add offline.Operator, passphrase string) error {
	if err := o.Allow(op, ActOperators); err != nil {
		return err
	}
	return o.store.AddOperator(add, passphrase)
}

// DisableOperator stops an operator from unlocking.
func (o *Office) DisableOperator(op Operator, id string) error {
	if err := o.Allow(op, ActOperators); err != nil {
		return err
	}
	return o.store.DisableOperator(id)
}

// ChangePassphrase sets the passphrase of id: one's own (after a passphrase unlock: a key
// file holds no passphrase to change), or another's (operator management).
func (o *Office) ChangePassphrase(op Operator, id, passphrase string) error {
	act := ActOperators
	if h := o.store.Holder(); h.KeyFile == "" && (id == h.Operator.ID || h.Operator.ID == "" && id == op.ID) {
		act = ActOwnPassphrase
	}
	if err := o.Allow(op, act); err != nil {
		return err
	}
	return o.store.ChangePassphrase(id, passphrase)
}

// ExportKeyFile writes a new key file with role at path and returns its ID.
func (o *Office) ExportKeyFile(op Operator, path, role string) (string, error) {
	if err := o.Allow(op, ActKeyFiles); err != nil {
		return "", err
	}
	return o.store.ExportKeyFile(path, role)
}

// RevokeKeyFile revokes a key file.
func (o *Office) RevokeKeyFile(op Operator, id string) error {
	if err := o.Allow(op, ActKeyFiles); err != nil {
		return err
	}
	return o.store.RevokeKeyFile(id)
}

// KeyFiles lists the key files that unlock the store, with their roles.
func (o *Office) KeyFiles(op Operator) ([]offline.KeyFileInfo, error) {
	if err := o.Allow(op, ActKeyFiles); err != nil {
		return nil, err
	}
	return o.store.KeyFiles()
}

// VerifyAudit checks the audit chain.
func (o *Office) VerifyAudit(op Operator) (offline.AuditReport, error) {
	if err := o.Allow(op, ActAuditVerify); err != nil {
		return offline.AuditReport{}, err
	}
	return o.store.VerifyAudit()
}

// ExportAudit writes the audit entries with from <= time < to to w; the export is logged.
func (o *Office) ExportAudit(op Operator, w io.Writer, from, to time.Time) (int, error) {
	if err := o.Allow(op, ActAuditExport); err != nil {
		return 0, err
	}
	return o.store.ExportAudit(w, from, to)
}

// LogAccess writes an access entry for work a front end did with op's rights (a card read,
// a batch run or a reconciliation summary); the operator is op's.
func (o *Office) LogAccess(op Operator, e offline.AccessEntry) error {
	e.Operator = o.actorID(op)
	return o.store.LogAccess(e)
}

// Mask clears what op may not see of a citizen (ethnicity, religion: sensitive data under
// NĐ 356/2025) and reports whether anything was withheld.
func (o *Office) Mask(op Operator, c *lookups.Citizen) bool {
	if c == nil || o.can(op, ActSeeSensitive) {
		return false
	}
	masked := c.Ethnicity != "" || c.Religion != ""
	c.Ethnicity, c.Religion = "", ""
	return masked
}
