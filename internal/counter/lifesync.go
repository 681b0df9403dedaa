package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
)

// The sync worker's share of the dossier's life: it sends the queued events (each with its
// own idempotency key, a dossier's in order, never before the dossier itself reached the
// gateway) and pulls what changed upstream (the agency's list since the last pull: other
// counters' dossiers go to the index; this counter's dossiers that changed get their
// progress and results, and the agencies' steps join their history).

// EventReport says what a round of events did. It holds dossier codes and event kinds, never
// personal data.
type EventReport struct {
	Sent     []string `json:"sent"`     // "<code> <kind>"
	Retry    []string `json:"retry"`    // failed for now: sent again later
	Rejected []string `json:"rejected"` // refused by the gateway: set aside with the reason
	Waiting  int      `json:"waiting"`  // events still to send (pending or being sent)
	LinkDown bool     `json:"linkDown,omitempty"`
	// LastError is the last failure (English, for logs; no personal data).
	LastError string `json:"lastError,omitempty"`
}

// PullReport says what a pull did.
type PullReport struct {
	Listed  int `json:"listed"`  // dossiers of the agency that changed upstream
	Remote  int `json:"remote"`  // other counters' dossiers indexed
	Updated int `json:"updated"` // this counter's dossiers brought up to date
	Steps   int `json:"steps"`   // upstream steps recorded in their histories
	Skipped int `json:"skipped"` // listed dossiers left out: they break the contract or the store's rules
	// LastError is the last failure (English, no personal data).
	LastError string `json:"lastError,omitempty"`
}

// pullMark names the time of the last pull of the agency's list.
const pullMark = "agency-pull"

// PullMark names (offline.Tx.LifeMark) the time of the last pull of the agency's list: the
// reports say how fresh the ward's figures are.
const PullMark = pullMark

// firstPull is how far back the first pull of a counter looks.
const firstPull = 30 * 24 * time.Hour

// syncLife is a sync round's work on the dossiers' lives: the events, then the pull.
func (s *Service) syncLife(ctx context.Context, opt DrainOptions, rep *DrainReport) {
	if rep.LinkDown {
		// no link: the events wait (counted), nothing is pulled
		if err := s.store.View(func(tx *offline.Tx) error {
			list, err := tx.ListEvents(offline.OutboxPending, offline.OutboxSending)
			rep.Events.Waiting, rep.Events.LinkDown = len(list), true
			return err
		}); err != nil {
			s.log.Warn("event queue not read", "err", err)
		}
		return
	}
	ev, err := s.drainEvents(ctx, opt, nil)
	if err != nil {
		s.log.Warn("event queue not drained", "err", err)
		ev.LastError = err.Error()
	}
	rep.Events = ev
	if ev.LinkDown || ctx.Err() != nil {
		return
	}
	pull, err := s.PullLife(ctx)
	if err != nil {
		s.log.Warn("dossier lives not pulled", "err", err)
		pull.LastError = err.Error()
	}
	rep.Pull = pull
}

// claimedEvent is an event with its dossier's submission state.
type claimedEvent struct {
	offline.ClaimedEvent
	ev gateway.CounterEvent
}

// drainEvents sends the due events once (only those of codes when given) and reports.
func (s *Service) drainEvents(ctx context.Context, opt DrainOptions, codes []string) (EventReport, error) {
	if opt.Lease <= 0 {
		opt.Lease = DefaultLease
	}
	if opt.Retry == (offline.RetryPolicy{}) {
		opt.Retry = offline.DefaultRetry
	}
	owner := offline.LeaseOwner()
	var rep EventReport
	for round := 0; ctx.Err() == nil; round++ {
		var batch []claimedEvent
		err := s.store.Update(func(tx *offline.Tx) error {
			batch = nil
			cs, err := tx.ClaimEvents(s.clock(), opt.Lease, owner, offline.ClaimOptions{Limit: drainBatch, Codes: codes,
				IgnoreBackoff: opt.IgnoreBackoff, LinkUpSince: s.linkUpSince()})
			if err != nil {
				return err
			}
			for _, c := range cs {
				// a dossier's events wait for the dossier itself to reach the gateway
				if e, err := tx.GetOutbox(c.Code); err == nil && e.State != offline.OutboxSent {
					if err := tx.ReleaseEvent(c.Seq, owner); err != nil {
						return err
					}
					continue
				}
				ce := claimedEvent{ClaimedEvent: c}
				if ce.Err == nil {
					ce.Err = json.Unmarshal(c.Body, &ce.ev)
				}
				batch = append(batch, ce)
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
		if len(batch) == 0 {
			break
		}
		stop := false
		for i, c := range batch {
			if stop || ctx.Err() != nil {
				s.releaseEvents(batch[i:], owner)
				break
			}
			if err := s.sendEvent(ctx, owner, c, opt.Retry, &rep); err != nil {
				s.releaseEvents(batch[i+1:], owner)
				return rep, err
			}
			stop = rep.LinkDown
		}
		if stop || len(codes) > 0 || opt.Limit > 0 && len(rep.Sent)+len(rep.Retry)+len(rep.Rejected) >= opt.Limit {
			break
		}
	}
	err := s.store.View(func(tx *offline.Tx) error {
		list, err := tx.ListEvents(offline.OutboxPending, offline.OutboxSending)
		rep.Waiting = len(list)
		return err
	})
	return rep, err
}

func (s *Service) releaseEvents(cs []claimedEvent, owner string) {
	if len(cs) == 0 {
		return
	}
	err := s.store.Update(func(tx *offline.Tx) error {
		for _, c := range cs {
			if err := tx.ReleaseEvent(c.Seq, owner); err != nil && !errors.Is(err, offline.ErrLeaseLost) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.Warn("events not released", "n", len(cs), "err", err)
	}
}

// sendEvent posts one claimed event and records the result.
func (s *Service) sendEvent(ctx context.Context, owner string, c claimedEvent, retry offline.RetryPolicy, rep *EventReport) error {
	label := c.Code + " " + c.Kind
	var sendErr error
	if c.Err != nil {
		sendErr = fmt.Errorf("counter: event %d of %s unreadable: %w", c.Seq, c.Code, c.Err)
	} else {
		_, sendErr = s.gw.PostEvent(ctx, c.Code, c.ev, c.Key, lookups.CallMeta{Operator: c.ev.Operator, Purpose: gateway.PurposeFollow,
			DossierCode: c.Code})
		s.noteGateway(sendErr)
	}
	var ge *gateway.Error
	notYet := errors.As(sendErr, &ge) && errors.Is(sendErr, lookups.ErrNotFound) // the gateway does not know the dossier yet
	now := s.clock()
	err := s.store.Update(func(tx *offline.Tx) error {
		var err error
		switch {
		case sendErr == nil:
			err = tx.MarkEventSent(c.Seq)
		case c.Err == nil && (retryable(sendErr) || notYet):
			_, err = tx.MarkEventRetry(c.Seq, owner, now, sendErr.Error(), retry, linkFailure(sendErr))
		default:
			reason, msg := rejection(sendErr)
			_, err = tx.MarkEventRejected(c.Seq, owner, reason, msg, sendErr.Error())
		}
		return err
	})
	if errors.Is(err, offline.ErrLeaseLost) {
		s.log.Warn("event lease lost; result dropped", "code", c.Code, "kind", c.Kind)
		return nil
	}
	if err != nil {
		return fmt.Errorf("counter: recording the event of %s: %w", c.Code, err)
	}
	switch {
	case sendErr == nil:
		rep.Sent = append(rep.Sent, label)
	case c.Err == nil && (retryable(sendErr) || notYet):
		rep.Retry = append(rep.Retry, label)
		rep.LinkDown = rep.LinkDown || linkFailure(sendErr)
	default:
		rep.Rejected = append(rep.Rejected, label)
	}
	if sendErr != nil {
		rep.LastError = sendErr.Error()
		s.log.Warn("event not sent", "code", c.Code, "kind", c.Kind, "attempts", c.Attempts, "err", sendErr)
	}
	return nil
}

// sendEventsNow is a step's immediate attempt to send its dossier's events (through the
// queue, like the sync worker); what is not sent stays queued.
func (s *Service) sendEventsNow(ctx context.Context, code string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	rep, err := s.drainEvents(ctx, DrainOptions{}, []string{code})
	switch {
	case err != nil:
		return false, err
	case len(rep.Sent) > 0 && len(rep.Retry)+len(rep.Rejected) == 0:
		return true, nil
	case rep.LastError != "":
		return false, errors.New(rep.LastError)
	}
	return false, nil
}

// PullLife asks the gateway what changed in the agency's dossiers since the last pull.
func (s *Service) PullLife(ctx context.Context) (PullReport, error) {
	var rep PullReport
	if err := s.Allow(Operator{}, ActQueueSync); err != nil {
		return rep, err
	}
	start := s.clock()
	var since time.Time
	if err := s.store.View(func(tx *offline.Tx) (err error) { since, err = tx.LifeMark(pullMark); return err }); err != nil {
		return rep, err
	}
	if since.IsZero() {
		since = start.Add(-firstPull)
	} else {
		since = since.Add(-2 * time.Minute) // an overlap for clocks that disagree a little
	}
	agency, _ := s.where()
	meta := lookups.CallMeta{Operator: s.actorID(Operator{}), Purpose: gateway.PurposeBook}
	changed, dropped, err := s.agencyList(ctx, agency, gateway.DossierQuery{UpdatedSince: since, Limit: gateway.MaxPage}, meta)
	if err != nil {
		return rep, err
	}
	rep.Skipped += dropped
	rep.Listed = len(changed)
	var own []gateway.AgencyDossier
	refused := 0
	err = s.store.Update(func(tx *offline.Tx) error {
		refused = 0 // (the unit of work may run again)
		for _, d := range changed {
			info, ok, err := tx.LifeInfo(d.Code)
			if err != nil {
				return err
			}
			if ok && !info.Remote {
				if info.Stage != d.Stage || d.UpdatedAt.After(info.UpdatedAt) {
					own = append(own, d)
				}
				continue
			}
			// one bad entry is left out; the rest of the list, and the pulls after it, go on
			switch wrote, kept, err := s.putRemote(tx, d); {
			case err != nil:
				return err
			case !kept:
				refused++
			case wrote:
				rep.Remote++
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	s.noteRefused(refused)
	rep.Skipped += refused
	for _, d := range own {
		// a rating given at another counter comes with the list (the history's step has no
		// answers); one given here is in the life already and wins
		var rated *lifecycle.Rating
		if info, ok := s.indexEntry(d.Code); ok && info.RatedAt.IsZero() {
			rated = s.listedRating(d)
		}
		n, err := s.refreshWith(ctx, d.Code, meta, rated)
		if err != nil {
			rep.LastError = err.Error()
			if linkFailure(err) {
				return rep, nil // the mark stays: the next round asks again
			}
			continue
		}
		rep.Updated++
		rep.Steps += n
	}
	err = s.store.Update(func(tx *offline.Tx) error { return tx.SetLifeMark(pullMark, start) })
	return rep, err
}

// agencyList reads the agency's list of dossiers q selects, page after page (at most 10,000),
// and says how many entries the gateway client left out (they break the contract).
func (s *Service) agencyList(ctx context.Context, agency string, q gateway.DossierQuery, meta lookups.CallMeta) (items []gateway.AgencyDossier, dropped int, err error) {
	for pages := 0; pages < 10000; pages++ {
		page, err := s.gw.AgencyDossiers(ctx, agency, q, meta)
		s.noteGateway(err)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, page.Items...)
		if page.DroppedRatings > 0 {
			s.log.Warn("agency list: ratings that break the contract left out", "n", page.DroppedRatings)
		}
		if page.DroppedItems > 0 {
			s.log.Warn("agency list: dossiers that break the contract left out", "n", page.DroppedItems)
			dropped += page.DroppedItems
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	return items, dropped, nil
}

// putRemote indexes another counter's dossier of the agency's list; kept is false when the
// store refuses the entry (it is left out, not logged: its values come from outside and may
// be anything).
func (s *Service) putRemote(tx *offline.Tx, d gateway.AgencyDossier) (wrote, kept bool, err error) {
	info := s.remoteInfo(d)
	if info.Check() != nil {
		return false, false, nil
	}
	wrote, err = tx.PutRemoteLife(info)
	return wrote, true, err
}

// noteRefused logs how many entries of the agency's list the store refused (putRemote).
func (s *Service) noteRefused(n int) {
	if n > 0 {
		s.log.Warn("agency list: dossiers the store refuses left out", "n", n)
	}
}

// remoteInfo is the index entry of another counter's dossier from the agency's list, its
// rating included when it fits the rating set (listedRating).
func (s *Service) remoteInfo(d gateway.AgencyDossier) offline.LifeInfo {
	loc := s.loc()
	i := offline.LifeInfo{Code: d.Code, Stage: d.Stage, Service: d.Service, Counter: d.Counter, Channel: d.Channel,
		ReceivedAt: d.ReceivedAt, Due: d.Due, Appointment: d.Appointment, ResultAt: d.ResultAt, ReturnedAt: d.ReturnedAt,
		Late: d.Late && !d.ResultAt.IsZero(), Extended: d.Extended}
	// the list gives the stage and the time of the last change, not the history: a dossier
	// waiting for a supplement, stopped or withdrawn is counted from that change
	if !d.ResultAt.IsZero() && !d.Due.IsZero() {
		switch got, due := lookups.DateOf(d.ResultAt.In(loc)), lookups.DateOf(d.Due.In(loc)); {
		case d.Late || due.Before(got):
			i.Timeliness, i.Late = lifecycle.TimelyLate, true
		case got.Before(due):
			i.Timeliness = lifecycle.TimelyEarly
		default:
			i.Timeliness = lifecycle.TimelyOnTime
		}
	}
	switch lifecycle.Stage(d.Stage) {
	case lifecycle.StageSupplement:
		i.SupplementAt = d.UpdatedAt
	case lifecycle.StageStopped, lifecycle.StageWithdrawn:
		i.EndedAt = d.UpdatedAt
	}
	if r := s.listedRating(d); r != nil {
		i.RatedAt = d.Rating.RatedAt
		for _, a := range r.Answers {
			i.Rating = append(i.Rating, a.Question+"="+a.Answer) // as lifeInfo writes a rating taken here
		}
	}
	return i
}

// ratingSkew is how far ahead of this machine's clock a listed rating may be dated (clocks
// that disagree); a later one is not taken.
const ratingSkew = time.Hour

// listedRating is the rating the agency's list gives a dossier, when it fits: the contract's
// bounds (gateway.ListedRating.Validate), a time not ahead of the clock, answers to the
// rating set's questions as a rating taken here must be (forms.RatingSet.Check). One that
// does not is left out with a log line naming the dossier's code and why, never the answers.
func (s *Service) listedRating(d gateway.AgencyDossier) *lifecycle.Rating {
	r := d.Rating
	if r == nil {
		return nil
	}
	why := ""
	lr := &lifecycle.Rating{Set: r.Set}
	if err := r.Validate(d.ReceivedAt); err != nil {
		why = err.Error()
	} else {
		for _, a := range r.Answers {
			lr.Answers = append(lr.Answers, lifecycle.RatingAnswer{Question: a.Question, Answer: a.Answer})
		}
		switch set := forms.Ratings(); {
		case r.RatedAt.After(s.clock().Add(ratingSkew)):
			why = "rated ahead of this machine's clock"
		case r.Set != set.Version:
			why = "rating of another question set than " + set.Version
		case set.Check(*lr) != nil:
			why = "answers that do not fit the rating set " + set.Version
		}
	}
	if why != "" {
		code := "(not a dossier code)" // the list's code is the gateway's word: it may be anything
		if validDossierCode(d.Code) {
			code = d.Code
		}
		s.log.Warn("listed rating left out", "code", code, "why", why)
		return nil
	}
	return lr
}

// indexEntry is the index entry of code (false when none or unreadable).
func (s *Service) indexEntry(code string) (offline.LifeInfo, bool) {
	var info offline.LifeInfo
	var ok bool
	err := s.store.View(func(tx *offline.Tx) (err error) { info, ok, err = tx.LifeInfo(code); return err })
	return info, ok && err == nil
}

// refresh brings one dossier up to date from the gateway: its progress (the steps the
// agencies and other counters took since the last pull join its history), and the result
// documents once it has results. A dossier not kept here (received at another counter) is
// kept from now on. It returns how many steps it recorded.
func (s *Service) refresh(ctx context.Context, code string, meta lookups.CallMeta) (int, error) {
	// another counter's dossier rated there: its rating came with the ward's list and is in
	// its index entry; the history's rating step has no answers, so it is carried over
	var rated *lifecycle.Rating
	if info, ok := s.indexEntry(code); ok && info.Remote && !info.RatedAt.IsZero() {
		rated = ratingOfIndex(info)
	}
	return s.refreshWith(ctx, code, meta, rated)
}

// ratingOfIndex is the rating an index entry keeps ("question=answer" pairs, as lifeInfo and
// remoteInfo write them) in the current rating set; nil when it has none.
func ratingOfIndex(info offline.LifeInfo) *lifecycle.Rating {
	r := &lifecycle.Rating{Set: forms.Ratings().Version}
	for _, qa := range info.Rating {
		q, a, ok := strings.Cut(qa, "=")
		if !ok {
			return nil
		}
		r.Answers = append(r.Answers, lifecycle.RatingAnswer{Question: q, Answer: a})
	}
	if len(r.Answers) == 0 {
		return nil
	}
	return r
}

// refreshWith is refresh, with the rating the agency's list gives the dossier (nil when none)
// for the history's rating step, which carries no answers.
func (s *Service) refreshWith(ctx context.Context, code string, meta lookups.CallMeta, rated *lifecycle.Rating) (int, error) {
	p, err := s.gw.Progress(ctx, code, meta)
	s.noteGateway(err)
	if err != nil {
		return 0, err
	}
	var res *gateway.Results
	if !p.ResultAt.IsZero() || slices.ContainsFunc(p.Procedures, func(pp gateway.ProcedureProgress) bool { return !pp.ResultAt.IsZero() }) {
		r, err := s.gw.Results(ctx, code, meta)
		s.noteGateway(err)
		if err == nil {
			res = &r
		} else if linkFailure(err) {
			return 0, err
		}
	}
	n := 0
	err = s.store.Update(func(tx *offline.Tx) error {
		l, err := s.readLife(tx, code)
		if errors.Is(err, offline.ErrNotFound) {
			l, err = lifeFromProgress(p), nil
		}
		if err != nil {
			return err
		}
		n = s.takeUpstream(l, p, rated)
		if res != nil {
			takeResults(l, *res)
		}
		return s.putLife(tx, l)
	})
	return n, err
}

// lifeFromProgress starts the life of a dossier another counter received, from the gateway's
// progress: received, its procedures due when the gateway says; takeUpstream adds the rest.
func lifeFromProgress(p gateway.Progress) *lifecycle.Life {
	l := &lifecycle.Life{Code: p.Code, Service: p.Service, Agency: p.Agency, Counter: p.Counter, Channel: lifecycle.Channel(p.Channel),
		Stage: lifecycle.StageReceived, ReceivedAt: p.ReceivedAt, Due: p.Due, Appointment: p.Due, Remote: true}
	if p.Applicant != nil {
		l.Applicant = lifecycle.Applicant{Name: p.Applicant.Name, ID: p.Applicant.ID}
	}
	for _, pp := range p.Procedures {
		l.Procedures = append(l.Procedures, lifecycle.ProcedureLife{ID: pp.ID, Name: pp.Name, Agency: pp.Agency, Stage: lifecycle.StageReceived,
			Due: pp.Due, Appointment: pp.Due})
		if l.ServiceName == "" {
			l.ServiceName = pp.Name
		}
	}
	l.History = []lifecycle.Step{{Seq: 1, Event: lifecycle.EventReceived, To: lifecycle.StageReceived, At: p.ReceivedAt, By: p.Counter,
		Origin: lifecycle.OriginCounter, Agency: p.Agency, Counter: p.Counter, Upstream: 1}}
	l.Pulled = 1
	return l
}

// takeUpstream records the steps of the gateway's history after the last one taken in: the
// agencies' and other counters' (this counter's own events, found by their keys, are there
// already). A step the local state machine refuses is logged and left out. It returns how
// many it recorded. A rating step takes its answers from rated (the agency's list), when given.
func (s *Service) takeUpstream(l *lifecycle.Life, p gateway.Progress, rated *lifecycle.Rating) int {
	n := 0
	for _, st := range p.History {
		if st.Seq <= l.Pulled {
			continue
		}
		l.Pulled = st.Seq
		if st.Kind == string(lifecycle.EventReceived) || (st.Origin == gateway.OriginCounter && l.HasKey(st.Key)) {
			continue
		}
		c := lifecycle.Change{Event: lifecycle.Event(st.Kind), Procedure: st.Procedure, At: st.At, By: st.Actor, Origin: st.Origin,
			Agency: st.Agency, Counter: st.Counter, Reason: st.Reason, Appointment: st.Appointment, Upstream: st.Seq}
		if c.By == "" {
			c.By = st.Origin
		}
		if c.Event == lifecycle.EventRated && rated != nil {
			c.Rating = rated
		}
		for _, it := range st.Items {
			c.Items = append(c.Items, lifecycle.SupplementItem{Document: it.Document, Problem: it.Problem, Guidance: it.Guidance})
		}
		if st.Kind == string(lifecycle.EventReturned) {
			// another counter handed it over: the receiver's identity stays upstream
			c.Receiver = &lifecycle.Receiver{ID: "-", Relation: lifecycle.ReceiverRequester}
		}
		if _, err := l.Apply(c); err != nil {
			if st.Kind != string(lifecycle.EventRated) {
				s.log.Warn("upstream step not taken", "code", l.Code, "seq", st.Seq, "kind", st.Kind, "err", err)
			}
			continue
		}
		n++
	}
	return n
}

// takeResults keeps the result documents of each procedure.
func takeResults(l *lifecycle.Life, r gateway.Results) {
	for _, pr := range r.Procedures {
		p, ok := l.Procedure(pr.ID)
		if !ok {
			continue
		}
		p.Results = nil
		for _, d := range pr.Documents {
			p.Results = append(p.Results, lifecycle.ResultDocument{Name: d.Name, Number: d.Number, Issuer: d.Issuer, IssuedAt: d.IssuedAt, Copies: d.Copies})
		}
	}
}
