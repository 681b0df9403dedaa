package counter

// Scripted work in groups (internal/batch): many look-ups through the gateway's batch
// look-up with their cache entries and access log in one unit of work, many declarations
// filled from those answers, and many receptions committed together (one fsync for the
// group), then sent and their receipts rendered in parallel and kept in one unit of work.
// Each does what its one-at-a-time use case does (Lookup, Intake.FillByID, ReceiveWith),
// under the same rights.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"motcua/forms"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
	"motcua/printing"
)

// Value is one field value given by a script, set in the given order (a field may only
// become relevant once another is set).
type Value struct{ Path, Text string }

// FillProblem is why a declaration could not be filled: the field (or "person:<slot>"), a
// short code, the Vietnamese message and the cause.
type FillProblem struct {
	Field, Code, Message string
	Usage                bool // the input names something the service does not have
	Err                  error
}

func (p *FillProblem) Error() string { return p.Message }
func (p *FillProblem) Unwrap() error { return p.Err }

// SetValues sets values on decl in order, then checks the whole declaration; every problem
// is itemised. A value equal to what the card or the database gave a read-only field is
// accepted.
func SetValues(decl *forms.Declaration, values []Value) []*FillProblem {
	for _, v := range values {
		if err := decl.Set(v.Path, v.Text); err != nil {
			if errors.Is(err, forms.ErrReadOnly) && decl.Value(v.Path) == strings.TrimSpace(v.Text) {
				continue // the same value as the card/database gave: nothing to change
			}
			code := "field"
			switch {
			case errors.Is(err, forms.ErrUnknownField):
				code = "unknown"
			case errors.Is(err, forms.ErrReadOnly):
				code = "read_only"
			}
			return []*FillProblem{{Field: v.Path, Code: code, Message: fmt.Sprintf("Trường %q: %s", v.Path, Explain(err)), Err: err}}
		}
	}
	if probs := decl.Validate(); len(probs) > 0 {
		err := &forms.ValidationError{Problems: probs}
		out := make([]*FillProblem, len(probs))
		for i, p := range probs {
			out[i] = &FillProblem{Field: p.FieldID, Code: p.Code, Message: p.Message, Err: err}
		}
		return out
	}
	return nil
}

// UnknownSlot is the problem of a script naming a person slot spec does not have ("" when
// every slot of persons exists), reported on the first unknown slot in name order.
func UnknownSlot(spec *forms.Spec, persons map[string]string) *FillProblem {
	var known []string
	for _, p := range spec.Persons() {
		known = append(known, p.ID)
	}
	for _, slot := range slices.Sorted(func(yield func(string) bool) {
		for k := range persons {
			if !yield(k) {
				return
			}
		}
	}) {
		if !slices.Contains(known, slot) {
			return &FillProblem{Field: "person:" + slot, Code: "unknown", Usage: true,
				Message: fmt.Sprintf("thủ tục %s không có người ở vị trí %q (có: %s)", spec.ID, slot, strings.Join(known, ", "))}
		}
	}
	return nil
}

// LookupResult is the answer of one look-up of LookupMany.
type LookupResult struct {
	Resident *lookups.Resident
	Origin   lookups.Origin
	Err      error
}

// batchLooker is the gateway client's batch look-up (gateway.Client.LookupBatch).
type batchLooker interface {
	LookupBatch(ctx context.Context, ids []string, meta lookups.CallMeta) ([]gateway.BatchResult, error)
}

// LookupMany is Lookup for many IDs at once, one answer per ID in order (an ID given twice
// is looked up once): the gateway's batch look-up (up to gateway.MaxBatchIDs IDs a call)
// when the gateway has one, the cache for the IDs the gateway could not answer, and every
// cache entry and access-log entry in one unit of work. The answers are those Lookup gives
// (masked for an operator who may not see sensitive data, ErrNotCached, lookups.ErrNotFound);
// the error is for the whole call (the operator may not look up, no purpose).
func (s *Service) LookupMany(ctx context.Context, ids []string, meta lookups.CallMeta) ([]LookupResult, error) {
	if err := meta.Validate(); err != nil {
		return nil, err
	}
	op := Operator{ID: meta.Operator}
	if err := s.Allow(op, ActLookup); err != nil {
		return nil, err
	}
	pos := make(map[string]int, len(ids))
	var uniq []string
	for _, id := range ids {
		if _, ok := pos[id]; !ok {
			pos[id] = len(uniq)
			uniq = append(uniq, id)
		}
	}
	ans := make([]LookupResult, len(uniq))
	bl, batched := s.gw.(batchLooker)
	var viaBatch []int
	for i, id := range uniq {
		if batched && gateway.ValidBatchID(id) {
			viaBatch = append(viaBatch, i)
			continue
		}
		// not for the batch endpoint (or no batch look-up): the client's own answer
		res, origin, err := s.gw.Lookup(ctx, id, meta)
		s.noteGateway(err)
		ans[i] = LookupResult{Resident: res, Origin: origin, Err: err}
	}
	for start := 0; start < len(viaBatch); start += gateway.MaxBatchIDs {
		part := viaBatch[start:min(len(viaBatch), start+gateway.MaxBatchIDs)]
		pids := make([]string, len(part))
		for k, i := range part {
			pids[k] = uniq[i]
		}
		res, err := bl.LookupBatch(ctx, pids, meta)
		s.noteGateway(err)
		now := s.clock()
		for k, i := range part {
			switch {
			case err != nil:
				ans[i].Err = err
			case !res[k].Found:
				ans[i].Err = fmt.Errorf("counter: batch look-up: %w", lookups.ErrNotFound)
			default:
				ans[i] = LookupResult{Resident: res[k].Resident, Origin: lookups.Origin{Source: lookups.SourceDatabase, FetchedAt: now}}
			}
		}
	}
	// the IDs the gateway could not answer: the cache, as Lookup falls back on it
	var down []int
	for i := range ans {
		if ans[i].Err != nil && offlineError(ans[i].Err) {
			down = append(down, i)
		}
	}
	if len(down) > 0 {
		verr := s.store.View(func(tx *offline.Tx) error {
			for _, i := range down {
				blob, at, ok, err := tx.GetLookup(uniq[i], s.cfg.CacheTTL)
				if err != nil {
					return err
				}
				var cached lookups.Resident
				switch {
				case !ok:
					ans[i].Err = &notCachedError{ans[i].Err}
				case json.Unmarshal(blob, &cached) != nil:
					s.log.Error("cached look-up unreadable")
					ans[i].Err = &notCachedError{ans[i].Err}
				default:
					ans[i] = LookupResult{Resident: &cached, Origin: lookups.Origin{Source: lookups.SourceCache, FetchedAt: at}}
				}
			}
			return nil
		})
		if verr != nil {
			for _, i := range down {
				if ans[i].Resident == nil {
					ans[i].Err = &notCachedError{ans[i].Err}
				}
			}
		}
	}
	// the cache entries and the access log of every look-up: one unit of work
	canCache := s.can(op, ActCacheWrite)
	werr := s.store.Update(func(tx *offline.Tx) error {
		for i, id := range uniq {
			a := ans[i]
			entry := offline.AccessEntry{Operator: meta.Operator, Purpose: meta.Purpose, Action: offline.ActionLookup,
				Subject: s.store.SubjectRef(id), DossierCode: meta.DossierCode, Outcome: "ok"}
			switch {
			case a.Err == nil && a.Origin.Source == lookups.SourceCache:
				entry.Outcome = "cache"
			case a.Err == nil:
				if a.Origin.FetchedAt.IsZero() {
					a.Origin.FetchedAt = s.clock()
					ans[i].Origin.FetchedAt = a.Origin.FetchedAt
				}
				if canCache {
					blob, err := json.Marshal(a.Resident)
					if err != nil {
						return fmt.Errorf("counter: encode resident: %w", err)
					}
					if err := tx.PutLookup(id, blob, a.Origin.FetchedAt); err != nil {
						return err
					}
				}
			case errors.Is(a.Err, lookups.ErrNotFound):
				entry.Outcome = "not_found"
			default:
				entry.Outcome = "error"
			}
			if err := tx.LogAccess(entry); err != nil {
				return err
			}
		}
		return nil
	})
	if werr != nil {
		// The answers still count; the failure is logged without personal data.
		s.log.Warn("look-ups not cached", "n", len(uniq), "err", werr)
	}
	out := make([]LookupResult, len(ids))
	for i := range ans {
		if ans[i].Err == nil {
			ans[i].Origin.Masked = s.Mask(op, &ans[i].Resident.Citizen)
		}
	}
	for k, id := range ids {
		out[k] = ans[pos[id]]
	}
	return out, nil
}

// FillRequest is one declaration for FillGroup: the personal ID of each person slot filled
// at the counter, and the values in order.
type FillRequest struct {
	Persons map[string]string
	Values  []Value
}

// Filled is a declaration filled by FillGroup: ready to receive, or its problems.
type Filled struct {
	Decl     *forms.Declaration
	IDs      []string // looked up for it (the access log's link to the dossier)
	Warnings []string
	Problems []*FillProblem
}

// FillGroup fills declarations of spec as Intake.FillByID and Intake.Complete do for one,
// with the look-ups of the whole group made together (LookupMany): the persons of every
// declaration, then the derived persons (household heads, spouses) round after round; then
// the values are set and each declaration checked. A person not found fails its
// declaration; a derived person not found is a warning. The error is for the whole group.
func (s *Service) FillGroup(ctx context.Context, spec *forms.Spec, reqs []FillRequest, op Operator) ([]Filled, error) {
	meta := lookups.CallMeta{Operator: op.ID, Purpose: lookups.PurposeReception}
	out := make([]Filled, len(reqs))
	ins := make([]*Intake, len(reqs))
	type want struct {
		row         int
		slot, label string
		id          string
	}
	var wants []want
	for i, rq := range reqs {
		if p := UnknownSlot(spec, rq.Persons); p != nil {
			out[i].Problems = []*FillProblem{p}
			continue
		}
		ins[i] = s.NewIntake(spec)
		for _, p := range spec.Persons() { // the spec's order, as at the counter
			if id := strings.TrimSpace(rq.Persons[p.ID]); id != "" {
				wants = append(wants, want{row: i, slot: p.ID, label: p.Label, id: id})
			}
		}
	}
	lookup := func(ws []want) ([]LookupResult, error) {
		ids := make([]string, len(ws))
		for k, w := range ws {
			ids[k] = w.id
		}
		return s.LookupMany(ctx, ids, meta)
	}
	if len(wants) > 0 {
		ans, err := lookup(wants)
		if err != nil {
			return nil, err
		}
		for k, w := range wants {
			if out[w.row].Problems != nil {
				continue // an earlier person of the row failed
			}
			if err := ins[w.row].FillLooked(w.slot, w.id, ans[k]); err != nil {
				out[w.row].Problems = []*FillProblem{{Field: "person:" + w.slot, Code: "person", Message: w.label + ": " + Explain(err), Err: err}}
			}
		}
	}
	for {
		var next []want
		for i, in := range ins {
			if in == nil || out[i].Problems != nil {
				continue
			}
			for _, p := range in.NextLookups() {
				next = append(next, want{row: i, slot: p.Slot, label: p.Label, id: p.ID})
			}
		}
		if len(next) == 0 {
			break
		}
		ans, err := lookup(next)
		if err != nil {
			return nil, err
		}
		for k, w := range next {
			if err := ins[w.row].FillLooked(w.slot, w.id, ans[k]); err != nil {
				in := ins[w.row]
				in.warn = append(in.warn, "Không tra cứu được "+strings.ToLower(w.label)+": "+Explain(err))
			}
		}
	}
	for i, in := range ins {
		if in == nil || out[i].Problems != nil {
			continue
		}
		decl := in.Declaration()
		if probs := SetValues(decl, reqs[i].Values); len(probs) > 0 {
			out[i].Problems = probs
			continue
		}
		out[i] = Filled{Decl: decl, IDs: in.LookedUp(), Warnings: in.Warnings()}
	}
	return out, nil
}

// GroupItem is one declaration of a group reception.
type GroupItem struct {
	Decl         *forms.Declaration
	ReceptionIDs []string
	Opts         ReceiveOptions
}

// GroupOptions adapt a group reception.
type GroupOptions struct {
	// InTx, when set (crash tests), is called inside the group's unit of work after item i
	// is written, before the commit.
	InTx func(i int)
	// AfterCommit, when set (crash tests), is called once the group has committed, before
	// it is sent and its receipts kept.
	AfterCommit func()
}

// GroupOutcome is what became of one item of a group: its Outcome, or Err when it was not
// received (nothing of it was saved).
type GroupOutcome struct {
	Outcome
	// Receipt is the receipt of the dossier received, as rendered to be kept, its QR code
	// encoded (printing.Receipt.QR); nil when none was made (a duplicate, an item's error).
	// A caller drawing the receipt again (the batch run's PDF) draws this one.
	Receipt *printing.Receipt
	Err     error
}

// itemError is an item's failure inside the group's unit of work.
type itemError struct {
	i   int
	err error
}

func (e *itemError) Error() string { return fmt.Sprintf("item %d: %v", e.i, e.err) }

// ReceiveGroup receives declarations as ReceiveWith does each, for a scripted run (the
// operator needs the batch right as well as the right to receive): every dossier of the
// group is saved with its outbox entry, its life, its idempotency key and its links in ONE
// unit of work, so the whole group is durable with one fsync, or (killed before the commit)
// none of it is. An item that fails inside the unit of work is set aside with its error and
// the others are committed without it. Then the dossiers are sent through the outbox (one
// claim and one record for the group), and their receipts rendered in parallel and kept in
// one unit of work (and printed, for the items without NoPrint, each with its control sheet
// where Config.ControlSheet says so, as ReceiveWith prints them). An item whose Key was
// received before saves nothing and returns the first dossier (Outcome.Duplicate). The
// error is for the whole group: nothing was saved.
func (s *Service) ReceiveGroup(ctx context.Context, op Operator, items []GroupItem, gopt GroupOptions) ([]GroupOutcome, error) {
	if op.ID == "" {
		return nil, errors.New("counter: receive without operator")
	}
	if err := s.Allow(op, ActBatchRun); err != nil {
		return nil, err
	}
	if err := s.Allow(op, ActReceive); err != nil {
		return nil, err
	}
	out := make([]GroupOutcome, len(items))
	now := s.clock()
	at := make([]receivedTx, len(items))
	times := make([]struct{ received time.Time }, len(items))
	var todo []int
	for i, it := range items {
		if it.Opts.Key != "" {
			if err := checkKey(it.Opts.Key); err != nil {
				out[i].Err = err
				continue
			}
		}
		if probs := it.Decl.Validate(); len(probs) > 0 {
			out[i].Err = &forms.ValidationError{Problems: probs}
			continue
		}
		times[i].received = now
		if r := it.Opts.ReceivedAt; !r.IsZero() {
			if r.After(now) {
				out[i].Err = ErrReceivedInFuture
				continue
			}
			times[i].received = r.In(now.Location())
		}
		todo = append(todo, i)
	}
	for len(todo) > 0 {
		err := s.store.Update(func(tx *offline.Tx) error {
			for _, i := range todo {
				it := items[i]
				if err := s.receiveInTx(tx, it.Decl, op, it.ReceptionIDs, "", it.Opts, now, times[i].received, &at[i]); err != nil {
					return &itemError{i, err}
				}
				if gopt.InTx != nil {
					gopt.InTx(i)
				}
			}
			return nil
		})
		var ie *itemError
		if errors.As(err, &ie) {
			// that item is set aside; the others are received again without it
			out[ie.i].Err = ie.err
			todo = slices.DeleteFunc(todo, func(i int) bool { return i == ie.i })
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if gopt.AfterCommit != nil && len(todo) > 0 {
		gopt.AfterCommit()
	}
	var fresh []int
	for _, i := range todo {
		if e := at[i].earlier; e != "" {
			o, err := s.finishEarlier(ctx, e, op, items[i].Opts)
			out[i] = GroupOutcome{Outcome: o, Err: err}
			continue
		}
		out[i].Dossier = at[i].d
		if w := at[i].warning; w != "" {
			out[i].Warnings = append(out[i].Warnings, w)
		}
		fresh = append(fresh, i)
	}
	ds := make([]*forms.Dossier, len(fresh))
	for k, i := range fresh {
		ds[k] = out[i].Dossier
	}
	sent, serrs := s.sendGroup(ctx, ds)
	for k, i := range fresh {
		out[i].Submitted, out[i].SubmitErr = sent[k], serrs[k]
	}
	officers, printEach := make([]string, len(fresh)), make([]bool, len(fresh))
	for k, i := range fresh {
		officers[k], printEach[k] = officerOf(op, items[i].Opts), !items[i].Opts.NoPrint
	}
	own := func(k int) bool { return s.ownPrint(offline.PrintReceipt, ds[k].Code, items[fresh[k]].Opts) }
	rs, paths, errs := s.receiptsGroup(ctx, op, ds, officers, printEach, own)
	for k, i := range fresh {
		out[i].ReceiptPath, out[i].PrintErr = paths[k], errs[k]
		if rs[k].QR != nil { // rendered and kept
			out[i].Receipt = &rs[k]
		}
		out[i].ControlSheetPath, out[i].ControlSheetErr = s.receptionControlSheet(ctx, op, ds[k].Code, items[i].Opts)
	}
	return out, nil
}

// sendGroup is sendNow for the dossiers of a group: one claim, the submissions in order
// (stopping at a link failure: the rest wait in the outbox, not counted as attempts), one
// record of the results. Each dossier's Status is set to what the store says.
func (s *Service) sendGroup(ctx context.Context, ds []*forms.Dossier) ([]bool, []error) {
	sent, errs := make([]bool, len(ds)), make([]error, len(ds))
	for _, d := range ds {
		d.Status = forms.StatusQueued
	}
	if len(ds) == 0 {
		return sent, errs
	}
	byCode := make(map[string]int, len(ds))
	codes := make([]string, len(ds))
	for i, d := range ds {
		byCode[d.Code], codes[i] = i, d.Code
	}
	opt := DrainOptions{Lease: DefaultLease, Retry: offline.DefaultRetry, codes: codes}
	owner := offline.LeaseOwner()
	batch, err := s.claim(owner, opt, len(ds))
	if err != nil {
		s.log.Error("outbox claim failed; the sync worker will send the dossiers", "n", len(ds), "err", err)
		for i := range errs {
			errs[i] = err
		}
		return sent, errs
	}
	res := make([]sendResult, len(batch))
	tried := 0
	for k, c := range batch {
		if ctx.Err() != nil {
			break
		}
		res[k] = s.submit(ctx, c)
		tried++
		if res[k].linkDown {
			break
		}
	}
	now := s.clock()
	lost := make([]bool, len(batch))
	werr := s.store.Update(func(tx *offline.Tx) error {
		for k, c := range batch {
			lost[k] = false
			if k >= tried {
				// not tried: given back without counting an attempt
				if err := tx.Release(c.entry.Code, owner); err != nil && !errors.Is(err, offline.ErrLeaseLost) {
					return err
				}
				continue
			}
			err := s.recordSend(tx, owner, c, res[k], offline.DefaultRetry, now)
			if errors.Is(err, offline.ErrLeaseLost) {
				lost[k] = true // another drainer took it over: its result counts
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if werr != nil {
		s.log.Error("submission results not recorded", "n", len(batch), "err", werr)
	}
	for k, c := range batch {
		i := byCode[c.entry.Code]
		if k >= tried || lost[k] || werr != nil {
			ds[i].Status = forms.StatusQueued
			errs[i] = res[k].err
			continue
		}
		ds[i].Status = res[k].status()
		sent[i] = res[k].state == offline.OutboxSent
		if res[k].err != nil {
			errs[i] = res[k].err
			s.log.Warn("dossier not submitted", "code", c.entry.Code, "state", res[k].state, "err", res[k].err)
		}
	}
	return sent, errs
}

// receiptsGroup renders the receipts of ds (officer: the name printed on each) in
// parallel, keeps them in one unit of work, and prints those with print set: the receipts
// (with their QR codes encoded, printing.Receipt.QR; none when the encoding failed), the
// receipt path (printed ones) and the error of each.
func (s *Service) receiptsGroup(ctx context.Context, op Operator, ds []*forms.Dossier, officers []string, printEach []bool, own func(k int) bool) ([]printing.Receipt, []string, []error) {
	paths, errs := make([]string, len(ds)), make([]error, len(ds))
	rs := make([]printing.Receipt, len(ds))
	if len(ds) == 0 {
		return rs, paths, errs
	}
	pdfs := make([][]byte, len(ds))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(len(ds), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for k := range next {
				rs[k] = s.Receipt(ds[k], officers[k])
				var err error
				if rs[k].QR, err = printing.EncodeQR(rs[k]); err == nil {
					pdfs[k], err = printing.RenderPDFBytes(rs[k], printing.Options{Size: s.cfg.PaperSize})
				}
				if err != nil {
					errs[k] = fmt.Errorf("counter: render receipt: %w", err)
				}
			}
		})
	}
	for k := range ds {
		next <- k
	}
	close(next)
	wg.Wait()
	kerr := s.store.Update(func(tx *offline.Tx) error {
		for k, d := range ds {
			if errs[k] == nil {
				if err := tx.PutReceipt(d.Code, pdfs[k]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for k, d := range ds {
		switch {
		case errs[k] != nil:
		case kerr != nil:
			errs[k] = fmt.Errorf("counter: keep receipt: %w", kerr)
		case printEach[k] && own(k): // taken right before its print (ownPrint)
			paths[k], errs[k] = s.printKept(ctx, d, op, rs[k], pdfs[k])
		case printEach[k]:
			paths[k] = s.printedElsewhere(offline.PrintReceipt, d.Code)
		}
	}
	return rs, paths, errs
}

// ReceivedKeys is, for each idempotency key, the code of the dossier received under it
// ("" when none): a scripted run skips those rows. The receipts those receptions did not
// keep (a run killed after their commit) are rendered and kept now, with officers[i] (the
// operator's name when "") as the receiving officer; with officers nil nothing is written.
func (s *Service) ReceivedKeys(ctx context.Context, op Operator, keys, officers []string) ([]string, error) {
	if err := s.Allow(op, ActReceive); err != nil {
		return nil, err
	}
	codes := make([]string, len(keys))
	var missing []*forms.Dossier
	var who []string
	err := s.store.View(func(tx *offline.Tx) error {
		missing, who = nil, nil
		for i, key := range keys {
			code, err := receivedKey(tx, key, "")
			if err != nil {
				return err
			}
			codes[i] = code
			if code == "" || officers == nil {
				continue
			}
			if _, err := tx.GetReceipt(code); !errors.Is(err, offline.ErrNotFound) {
				if err != nil {
					return err
				}
				continue
			}
			blob, _, err := tx.GetDossier(code)
			if err != nil {
				return err
			}
			var d forms.Dossier
			if err := json.Unmarshal(blob, &d); err != nil {
				return fmt.Errorf("counter: stored dossier %s: %w", code, err)
			}
			missing = append(missing, &d)
			who = append(who, officerOf(op, ReceiveOptions{Officer: officers[i]}))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	_, _, errs := s.receiptsGroup(ctx, op, missing, who, make([]bool, len(missing)), nil)
	for k, err := range errs {
		if err != nil {
			s.log.Warn("receipt of an earlier reception not kept", "code", missing[k].Code, "err", err)
		}
	}
	return codes, nil
}
