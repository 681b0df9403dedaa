// Package wardyear writes a ward's year into a store: a deterministic synthetic workload for
// the benchmarks of the reports, the dossier book, the results desk and the late watch
// (docs/BENCHMARKS.md), and for any test that needs a large store.
//
// The dossiers are spread over the working days of the year up to Options.Now and over four
// counters. Each one's life goes through the state machine (forms/lifecycle), so that what the
// book and the reports read is what the counter would have written: most returned on time,
// some early, some late (a few after an apology with a new appointment), some with a
// supplement, some stopped or withdrawn, a quarter of this counter's returned ones rated; the
// last weeks' still received, processing, waiting for a supplement or with their result ready.
// Dossiers received at this counter (Options.Local) get the sealed life (a synthetic
// applicant, no real person's data) and the reception facts, with the index entry the counter
// writes (Info), and the dossier record the history (F4) lists (no receipt PDF: 30 KB each);
// the other counters' come as the ward's list does (remote index entries). The access log gets
// the look-ups, each through offline.Tx.LogAccess (hash chain, MAC, running counts) as the
// counter writes them, and the cache the answers of the last look-ups (Options.Cache). Everything is written in bulk units of work and depends
// only on Options.
package wardyear

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/offline"
)

// Options shape the year.
type Options struct {
	Year     int            // default Now's year, or 2026
	Dossiers int            // default 200,000
	Lookups  int            // default 1,000,000
	Cache    int            // cached look-up answers (default Dossiers/2; negative: none)
	Local    float64        // share of the dossiers received at this counter (default 0.25)
	Agency   string         // default "G22.99.08"
	Counter  int            // this counter, 1 to 4 (default 1)
	Seed     uint64         // default 1
	Location *time.Location // default Asia/Ho_Chi_Minh (UTC+7 when the zone database is missing)
	Batch    int            // records per unit of work (default 20,000)
	Services []*forms.Spec  // the procedures asked for (default forms.Catalog())
	// Now is when the year is looked at: the dossiers are received from the year's first
	// working day up to Now, and their lives stop at Now (default the year's last day at 17:00).
	Now time.Time
}

// Summary says what was written.
type Summary struct {
	From, To          time.Time // the year: [From, To)
	Dossiers          int
	Local, Remote     int
	Lookups           int
	Cached            int // look-up answers in the cache
	Services          []string
	Operators         []string
	SettledOrEnded    int // returned, stopped or withdrawn by Now
	Pending           int
	WorkingDays       int
	DossiersPerDay    int
	LookupsPerDay     int
	BuildDuration     time.Duration
	LocalLifeBytes    int // the size of one local life record, for scale
	FirstLocalDossier string
	Codes             []string // every code, in reception order
}

// Operators are the counter's staff in the access log.
var Operators = []string{"cb01", "cb02", "cb03", "cb04", "tn01", "gs01"}

var purposes = []string{lookups.PurposeReception, lookups.PurposeReception, lookups.PurposeReception, lookups.PurposeDossier, lookups.PurposeCheck}

var (
	surnames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	middles  = []string{"Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Thanh", "Hoài"}
	givens   = []string{"An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khánh", "Lan", "Linh", "Long", "Mai",
		"Nam", "Ngân", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"}
	streets = []string{"Phố Thử Nghiệm", "Ngõ Giả Lập", "Đường Mẫu", "Phố Tổng Hợp", "Ngách Số Liệu"}
)

func (o Options) withDefaults() Options {
	if o.Location == nil {
		loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
		if err != nil {
			loc = time.FixedZone("ICT", 7*3600)
		}
		o.Location = loc
	}
	if o.Year == 0 {
		o.Year = 2026
		if !o.Now.IsZero() {
			o.Year = o.Now.In(o.Location).Year()
		}
	}
	if o.Dossiers == 0 {
		o.Dossiers = 200_000
	}
	if o.Lookups == 0 {
		o.Lookups = 1_000_000
	}
	if o.Cache == 0 {
		o.Cache = o.Dossiers / 2
	}
	if o.Local == 0 {
		o.Local = 0.25
	}
	if o.Agency == "" {
		o.Agency = "G22.99.08"
	}
	if o.Counter == 0 {
		o.Counter = 1
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Batch == 0 {
		o.Batch = 20_000
	}
	if len(o.Services) == 0 {
		o.Services = forms.Catalog()
	}
	if o.Now.IsZero() {
		o.Now = time.Date(o.Year, time.December, 31, 17, 0, 0, 0, o.Location)
	}
	return o
}

// workingDays are the year's Mondays to Fridays up to Now's day (the synthetic ward has no
// holidays).
func workingDays(o Options) []time.Time {
	var out []time.Time
	end := o.Now.In(o.Location)
	for d := time.Date(o.Year, 1, 1, 0, 0, 0, 0, o.Location); d.Year() == o.Year && !d.After(end); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			out = append(out, d)
		}
	}
	return out
}

// addWorkingDays is day plus n days Monday to Friday (holidays are not this package's care).
func addWorkingDays(day time.Time, n int) time.Time {
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return day
}

// Build writes the year into store, which should hold no dossiers yet.
func Build(store *offline.Store, opt Options) (Summary, error) {
	o := opt.withDefaults()
	start := time.Now()
	days := workingDays(o)
	if len(days) == 0 {
		return Summary{}, fmt.Errorf("wardyear: no working day in %d before %s", o.Year, o.Now.Format(time.DateOnly))
	}
	if o.Counter < 1 || o.Counter > 4 {
		return Summary{}, fmt.Errorf("wardyear: counter %d is not 1 to 4", o.Counter)
	}
	sum := Summary{From: time.Date(o.Year, 1, 1, 0, 0, 0, 0, o.Location), To: time.Date(o.Year+1, 1, 1, 0, 0, 0, 0, o.Location),
		WorkingDays: len(days), DossiersPerDay: (o.Dossiers + len(days) - 1) / len(days), LookupsPerDay: (o.Lookups + len(days) - 1) / len(days),
		Operators: Operators, Codes: make([]string, 0, o.Dossiers)}
	for _, s := range o.Services {
		sum.Services = append(sum.Services, s.ID)
	}
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x7761726479656172))
	var err error
	batch := make([]func(tx *offline.Tx) error, 0, o.Batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := store.Update(func(tx *offline.Tx) error {
			for _, f := range batch {
				if err := f(tx); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	seq := map[int]int{} // per counter, on the day
	lastDay := -1
	for n := 0; n < o.Dossiers; n++ {
		di := n * len(days) / o.Dossiers
		if di != lastDay {
			clear(seq)
			lastDay = di
		}
		ctr := o.Counter
		local := r.Float64() < o.Local
		if !local {
			ctr = 1 + (o.Counter+r.IntN(3))%4 // one of the three other counters
		}
		seq[ctr]++
		at := days[di].Add(7*time.Hour + 30*time.Minute + time.Duration(r.IntN(9*60*60))*time.Second)
		if at.After(o.Now) {
			at = o.Now.Add(-time.Duration(1+r.IntN(150)) * time.Minute)
		}
		code := fmt.Sprintf("%s-%s-%02d%04d", o.Agency, days[di].Format("060102"), ctr, seq[ctr])
		l, err := life(r, o, code, ctr, local, at)
		if err != nil {
			return sum, err
		}
		info := Info(l, o.Location)
		if l.Stage.Final() {
			sum.SettledOrEnded++
		} else {
			sum.Pending++
		}
		sum.Codes = append(sum.Codes, code)
		sum.Dossiers++
		if local {
			sum.Local++
			if sum.FirstLocalDossier == "" {
				sum.FirstLocalDossier = code
			}
			info.Reception = receptionFacts(r, at)
			blob, err := json.Marshal(l)
			if err != nil {
				return sum, fmt.Errorf("wardyear: encode life of %s: %w", code, err)
			}
			sum.LocalLifeBytes = len(blob)
			dblob, err := json.Marshal(dossier(o, l))
			if err != nil {
				return sum, fmt.Errorf("wardyear: encode dossier %s: %w", code, err)
			}
			di := offline.DossierInfo{Code: code, State: string(forms.StatusSubmitted), Service: l.Service, ReceivedAt: at}
			batch = append(batch, func(tx *offline.Tx) error {
				if err := tx.PutDossier(di, dblob); err != nil {
					return err
				}
				return tx.PutLife(info, blob)
			})
		} else {
			sum.Remote++
			batch = append(batch, func(tx *offline.Tx) error { _, err := tx.PutRemoteLife(info); return err })
		}
		if len(batch) == o.Batch {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	// the look-ups, spread over the working days' opening hours
	for n := 0; n < o.Lookups; n++ {
		day := days[n*len(days)/o.Lookups]
		at := day.Add(7*time.Hour + 30*time.Minute + time.Duration((n*7919)%(9*60*60))*time.Second)
		outcome := "ok"
		switch v := r.IntN(100); {
		case v < 3:
			outcome = "cache"
		case v < 5:
			outcome = "not_found"
		case v == 5:
			outcome = "error"
		}
		e := offline.AccessEntry{Time: at, Operator: Operators[r.IntN(len(Operators))], Purpose: purposes[r.IntN(len(purposes))],
			Action: offline.ActionLookup, Subject: store.SubjectRef(fmt.Sprintf("0%02d%09d", r.IntN(96), r.IntN(1_000_000_000))), Outcome: outcome}
		batch = append(batch, func(tx *offline.Tx) error { return tx.LogAccess(e) })
		sum.Lookups++
		if len(batch) == o.Batch {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	if sum.Cached, err = fillCache(store, o, r); err != nil {
		return sum, err
	}
	sum.BuildDuration = time.Since(start)
	return sum, nil
}

// Info is the store's index entry of a life, as the counter writes it (counter.Service's
// lifeInfo, without the reception facts; TestWardYearInfoIsTheCounters in internal/counter
// keeps the two the same).
func Info(l *lifecycle.Life, loc *time.Location) offline.LifeInfo {
	info := offline.LifeInfo{Code: l.Code, Stage: string(l.Stage), Service: l.Service, Counter: l.Counter, Channel: string(l.Channel),
		ReceivedAt: l.ReceivedAt, Due: l.Due, Appointment: l.Appointment, ResultAt: l.ResultAt, ReturnedAt: l.ReturnedAt,
		Extended: l.Extended()}
	if !l.ResultAt.IsZero() {
		info.Timeliness = l.Timeliness(l.ResultAt, loc)
	}
	info.Late = !l.ResultAt.IsZero() && info.Timeliness == lifecycle.TimelyLate
	if st, ok := l.First(lifecycle.EventSupplementRequested); ok {
		info.SupplementAt = st.At
	}
	switch l.Stage {
	case lifecycle.StageStopped:
		if st, ok := l.Last(lifecycle.EventStopped); ok {
			info.EndedAt = st.At
		}
	case lifecycle.StageWithdrawn:
		if st, ok := l.Last(lifecycle.EventWithdrawn); ok {
			info.EndedAt = st.At
		}
	}
	if st, ok := l.Last(lifecycle.EventRated); ok && st.Rating != nil {
		info.RatedAt = st.At
		for _, a := range st.Rating.Answers {
			info.Rating = append(info.Rating, a.Question+"="+a.Answer)
		}
	}
	return info
}

// receptionFacts draws how a dossier received here was received.
func receptionFacts(r *rand.Rand, received time.Time) *offline.ReceptionFacts {
	f := &offline.ReceptionFacts{Residence: offline.ResidenceDatabase, ResidenceAt: received.Add(-3 * time.Minute),
		IdentifiedAt: received.Add(-time.Duration(120+r.IntN(900)) * time.Second)}
	switch v := r.IntN(100); {
	case v < 55:
		f.Identity = offline.IdentityChip
	case v < 65:
		f.Identity = offline.IdentitySigned
	case v < 85:
		f.Identity = offline.IdentityQR
	default:
		f.Identity = offline.IdentityTyped
	}
	if r.IntN(50) == 0 {
		f.Residence, f.Cached, f.ResidenceAt = offline.ResidenceCache, true, received.Add(-5*time.Hour)
	}
	if r.IntN(200) == 0 {
		f.Residence = offline.ResidenceTyped
	}
	return f
}

var errStop = errors.New("wardyear: after now")

// life draws one dossier's life up to o.Now, through the state machine: a synthetic applicant
// (names from short fixed lists, an ID number that is no one's).
func life(r *rand.Rand, o Options, code string, ctr int, local bool, at time.Time) (*lifecycle.Life, error) {
	spec := o.Services[r.IntN(len(o.Services))]
	in := lifecycle.Start{Code: code, Service: spec.ID, ServiceName: spec.Name, ReceivedAt: at, By: fmt.Sprintf("cb%02d", ctr),
		Agency: o.Agency, Counter: fmt.Sprintf("%02d", ctr), Channel: lifecycle.ChannelInPerson}
	if !local {
		switch v := r.IntN(10); {
		case v < 4:
			in.Channel = lifecycle.ChannelOnline
		case v == 9:
			in.Channel = lifecycle.ChannelPost
		}
	}
	name := surnames[r.IntN(len(surnames))] + " " + middles[r.IntN(len(middles))] + " " + givens[r.IntN(len(givens))]
	in.Applicant = lifecycle.Applicant{Name: name, ID: fmt.Sprintf("0%02d%d%02d%06d", 1+r.IntN(96), r.IntN(4), r.IntN(100), r.IntN(1_000_000)),
		Address: fmt.Sprintf("Số %d %s, Phường Thử Nghiệm", 1+r.IntN(200), streets[r.IntN(len(streets))]),
		Phone:   fmt.Sprintf("09%08d", r.IntN(100_000_000))}
	procs := spec.Procedures()
	if len(procs) == 0 {
		procs = []forms.Procedure{{ID: spec.ID, Name: spec.Name, Agency: spec.Agency, ProcessingDays: spec.ProcessingDays}}
	}
	day := time.Date(at.Year(), at.Month(), at.Day(), 8, 0, 0, 0, o.Location)
	for _, p := range procs {
		in.Procedures = append(in.Procedures, lifecycle.Procedure{ID: p.ID, Name: p.Name, Agency: p.Agency,
			Appointment: addWorkingDays(day, max(p.ProcessingDays, 1))})
	}
	l := lifecycle.NewLife(in)
	due := l.Due
	step := func(ev lifecycle.Event, when time.Time, c lifecycle.Change) error {
		if when.After(o.Now) {
			return errStop
		}
		if last := l.History[len(l.History)-1].At; !when.After(last) {
			when = last.Add(time.Minute)
		}
		c.Event, c.At, c.Agency = ev, when, o.Agency
		switch ev {
		case lifecycle.EventStarted, lifecycle.EventResultReady, lifecycle.EventStopped:
			c.Origin, c.By = lifecycle.OriginAgency, "ubnd"
		default:
			c.Origin, c.By, c.Counter = lifecycle.OriginCounter, in.By, in.Counter
		}
		c.Key = fmt.Sprintf("%s:%s:%d", code, ev, len(l.History))
		_, err := l.Apply(c)
		return err
	}
	h := time.Hour
	err := step(lifecycle.EventStarted, at.Add(time.Duration(1+r.IntN(30))*h), lifecycle.Change{})
	result := due.Add(-time.Duration(r.IntN(20)) * h)
	switch v := r.Float64(); {
	case err != nil:
	case v < 0.02:
		err = step(lifecycle.EventStopped, at.Add(24*h), lifecycle.Change{Reason: "Hồ sơ không đủ điều kiện giải quyết (số liệu tổng hợp)."})
	case v < 0.03:
		err = step(lifecycle.EventWithdrawn, at.Add(26*h), lifecycle.Change{Reason: "Công dân rút hồ sơ."})
	case v < 0.09:
		err = step(lifecycle.EventSupplementRequested, at.Add(20*h), lifecycle.Change{Items: []lifecycle.SupplementItem{
			{Document: "Giấy tờ chứng minh nơi cư trú", Problem: "Thiếu bản sao", Guidance: "Nộp bản sao có chứng thực"}}})
		if err == nil {
			err = step(lifecycle.EventSupplementReceived, at.Add(time.Duration(50+r.IntN(70))*h), lifecycle.Change{})
		}
		result = result.Add(48 * h)
		if least := at.Add(121 * h); result.Before(least) {
			result = least
		}
	case v < 0.15:
		result = due.AddDate(0, 0, 1+r.IntN(4)) // late
		if r.IntN(2) == 0 {
			err = step(lifecycle.EventExtended, due.Add(-24*h), lifecycle.Change{Reason: "Cần xác minh thêm (số liệu tổng hợp).",
				Appointment: result.Add(24 * h)})
		}
	case v < 0.30:
		result = due.AddDate(0, 0, -1) // early
	}
	if err == nil && !l.Stage.Final() {
		err = step(lifecycle.EventResultReady, result, lifecycle.Change{})
		if err == nil {
			back := result.Add(time.Duration(2+r.IntN(240)) * h) // some results wait days to be collected
			err = step(lifecycle.EventReturned, back, lifecycle.Change{Receiver: &lifecycle.Receiver{ID: in.Applicant.ID,
				Name: name, Relation: lifecycle.ReceiverRequester, Source: forms.SourceCard}})
			if err == nil && local && r.IntN(4) == 0 { // a quarter rate the service as they collect the result
				err = step(lifecycle.EventRated, back.Add(2*time.Minute), lifecycle.Change{Rating: rating(r)})
			}
		}
	}
	if err != nil && !errors.Is(err, errStop) {
		return nil, fmt.Errorf("wardyear: %s: %w", code, err)
	}
	return l, nil
}

// rating draws an answer to each question of the embedded rating set.
func rating(r *rand.Rand) *lifecycle.Rating {
	set := forms.Ratings()
	out := &lifecycle.Rating{Set: set.Version}
	for _, q := range set.Questions {
		if len(q.Options) == 0 {
			continue
		}
		// the first options (the better ones) are the more likely
		i := min(r.IntN(len(q.Options)), r.IntN(len(q.Options)))
		out.Answers = append(out.Answers, lifecycle.RatingAnswer{Question: q.ID, Answer: q.Options[i].ID})
	}
	return out
}

// dossier is the record of a dossier received here, as the history (F4) lists it: what its
// life says (the declaration's fields are left out).
func dossier(o Options, l *lifecycle.Life) *forms.Dossier {
	d := &forms.Dossier{Code: l.Code, ServiceID: l.Service, ServiceName: l.ServiceName, Agency: o.Agency, Counter: l.Counter,
		Operator: l.History[0].By, ReceivedAt: l.ReceivedAt, Appointment: l.Due, Subject: lookups.PersonRef{ID: l.Applicant.ID, FullName: l.Applicant.Name},
		IdempotencyKey: "wardyear-" + l.Code, Status: forms.StatusSubmitted, Fields: []forms.FieldValue{}, Documents: []forms.DocumentItem{}}
	for _, s := range o.Services {
		if s.ID == l.Service {
			d.SpecVersion = s.Version
		}
	}
	for _, p := range l.Procedures {
		d.Procedures = append(d.Procedures, forms.ProcedureRecord{ID: p.ID, Name: p.Name, Agency: p.Agency, Appointment: p.Appointment,
			FieldIDs: []string{}, Documents: []forms.DocumentItem{}})
	}
	return d
}

// resident is a synthetic look-up answer for id.
func resident(r *rand.Rand, id string) *lookups.Resident {
	name := surnames[r.IntN(len(surnames))] + " " + middles[r.IntN(len(middles))] + " " + givens[r.IntN(len(givens))]
	addr := fmt.Sprintf("Số %d %s, Phường Thử Nghiệm", 1+r.IntN(200), streets[r.IntN(len(streets))])
	return &lookups.Resident{Citizen: lookups.Citizen{ID: id, FullName: name, Nationality: "Việt Nam", Ethnicity: "Kinh",
		PlaceOfOrigin: "Phường Thử Nghiệm", CardAddress: addr}, Phone: fmt.Sprintf("09%08d", r.IntN(100_000_000))}
}

// FillCache writes the cache Build writes (Options.Cache answers of the last look-ups, fetched
// over the week before Now) again, as after a purge; it returns how many.
func FillCache(store *offline.Store, opt Options) (int, error) {
	o := opt.withDefaults()
	return fillCache(store, o, rand.New(rand.NewPCG(o.Seed, o.Seed^0x6361636865)))
}

func fillCache(store *offline.Store, o Options, r *rand.Rand) (int, error) {
	n := 0
	for n < o.Cache {
		err := store.Update(func(tx *offline.Tx) error {
			for end := min(n+o.Batch, o.Cache); n < end; n++ {
				id := fmt.Sprintf("0%02d%d%02d%06d", 1+r.IntN(96), r.IntN(4), r.IntN(100), n%1_000_000)
				at := o.Now.Add(-time.Duration(1+r.IntN(7*24*60)) * time.Minute)
				blob, err := json.Marshal(resident(r, id))
				if err != nil {
					return err
				}
				if err := tx.PutLookup(id, blob, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
