// Package wardyear writes a ward's year into a store: a deterministic synthetic workload for
// the benchmarks of the reports, the dossier book and the late watch (docs/BENCHMARKS.md).
// Dossiers received at this counter get a sealed life (lifecycle.Life with a synthetic
// applicant, no real person's data) and the reception facts; the other counters' come as the
// ward's list does (remote index entries); the access log gets the look-ups, each through
// offline.Tx.LogAccess (hash chain, MAC, running counts) as the counter writes them. Everything
// is written in bulk units of work and depends only on Options.
package wardyear

import (
	"encoding/json"
	"fmt"
	"time"

	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/offline"
)

// Options shape the year.
type Options struct {
	Year     int            // default 2026
	Dossiers int            // default 200,000
	Lookups  int            // default 1,000,000
	Local    float64        // share of the dossiers received at this counter (default 0.25)
	Agency   string         // default "G22.99.08"
	Seed     uint64         // default 1
	Location *time.Location // default Asia/Ho_Chi_Minh (UTC+7 when the zone database is missing)
	Batch    int            // records per unit of work (default 20,000)
	// Now is when the year is looked at: dossiers received before it have their outcome
	// (default the year's last day at 17:00).
	Now time.Time
}

// Summary says what was written.
type Summary struct {
	From, To          time.Time // the year: [From, To)
	Dossiers          int
	Local, Remote     int
	Lookups           int
	Services          []string
	Operators         []string
	SettledOrEnded    int
	Pending           int
	WorkingDays       int
	DossiersPerDay    int
	LookupsPerDay     int
	BuildDuration     time.Duration
	LocalLifeBytes    int // the size of one local life record, for scale
	FirstLocalDossier string
}

// Services are the ward's procedures the synthetic dossiers ask for, with their working days.
var Services = []struct {
	ID   string
	Days int
}{
	{"xac-nhan-tthn", 3}, {"khai-sinh", 1}, {"khai-tu", 1}, {"ket-hon", 5}, {"thuong-tru", 7}, {"tam-tru", 3},
	{"tam-vang", 1}, {"chung-thuc-ban-sao", 1}, {"trich-luc-ho-tich", 1},
}

// Operators are the counter's staff in the access log.
var Operators = []string{"cb01", "cb02", "cb03", "cb04", "tn01", "gs01"}

var purposes = []string{lookups.PurposeReception, lookups.PurposeReception, lookups.PurposeReception, lookups.PurposeDossier, lookups.PurposeCheck}

type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return r.s
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) float() float64 { return float64(r.next()>>11) / float64(1<<53) }

func (o Options) withDefaults() Options {
	if o.Year == 0 {
		o.Year = 2026
	}
	if o.Dossiers == 0 {
		o.Dossiers = 200_000
	}
	if o.Lookups == 0 {
		o.Lookups = 1_000_000
	}
	if o.Local == 0 {
		o.Local = 0.25
	}
	if o.Agency == "" {
		o.Agency = "G22.99.08"
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Location == nil {
		loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
		if err != nil {
			loc = time.FixedZone("ICT", 7*3600)
		}
		o.Location = loc
	}
	if o.Batch == 0 {
		o.Batch = 20_000
	}
	if o.Now.IsZero() {
		o.Now = time.Date(o.Year, time.December, 31, 17, 0, 0, 0, o.Location)
	}
	return o
}

// workingDays are the year's Mondays to Fridays (the synthetic ward has no holidays).
func workingDays(o Options) []time.Time {
	var out []time.Time
	for d := time.Date(o.Year, 1, 1, 0, 0, 0, 0, o.Location); d.Year() == o.Year; d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			out = append(out, d)
		}
	}
	return out
}

// addWorking is t plus n working days, at 08:00.
func addWorking(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 8, 0, 0, 0, t.Location())
}

// Build writes the year into store, which should hold no dossiers yet.
func Build(store *offline.Store, opt Options) (Summary, error) {
	o := opt.withDefaults()
	start := time.Now()
	days := workingDays(o)
	sum := Summary{From: time.Date(o.Year, 1, 1, 0, 0, 0, 0, o.Location), To: time.Date(o.Year+1, 1, 1, 0, 0, 0, 0, o.Location),
		WorkingDays: len(days), DossiersPerDay: (o.Dossiers + len(days) - 1) / len(days), LookupsPerDay: (o.Lookups + len(days) - 1) / len(days),
		Operators: Operators}
	for _, s := range Services {
		sum.Services = append(sum.Services, s.ID)
	}
	r := &rng{s: o.Seed*0x9E3779B97F4A7C15 + 1}
	seq := map[string]int{} // per day and counter
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
	for n := 0; n < o.Dossiers; n++ {
		day := days[n*len(days)/o.Dossiers]
		received := day.Add(7*time.Hour + 30*time.Minute + time.Duration(r.intn(9*60*60))*time.Second)
		svc := Services[r.intn(len(Services))]
		local := r.float() < o.Local
		counter := 1
		if !local {
			counter = 2 + r.intn(3)
		}
		key := fmt.Sprintf("%s|%02d", day.Format("060102"), counter)
		seq[key]++
		code := fmt.Sprintf("%s-%s-%02d%04d", o.Agency, day.Format("060102"), counter, seq[key])
		due := addWorking(received, max(1, svc.Days))
		ch := lifecycle.ChannelInPerson
		if !local {
			switch v := r.intn(10); {
			case v < 4:
				ch = lifecycle.ChannelOnline
			case v == 9:
				ch = lifecycle.ChannelPost
			}
		}
		info := offline.LifeInfo{Code: code, Service: svc.ID, Counter: fmt.Sprintf("%02d", counter), Channel: string(ch),
			ReceivedAt: received, Due: due, Appointment: due, Stage: string(lifecycle.StageReceived)}
		// the outcome: early, on time, late, a supplement, stopped, withdrawn
		u := r.float()
		span := due.Sub(received)
		var resultAt time.Time
		switch {
		case u < 0.15:
			resultAt = received.Add(span / 2)
			info.Timeliness = lifecycle.TimelyEarly
		case u < 0.80:
			resultAt = time.Date(due.Year(), due.Month(), due.Day(), 7, 0, 0, 0, o.Location)
			info.Timeliness = lifecycle.TimelyOnTime
		case u < 0.88:
			resultAt = due.Add(30 * time.Hour)
			info.Timeliness, info.Late = lifecycle.TimelyLate, true
		case u < 0.94:
			info.SupplementAt = received.Add(span / 3)
			info.Stage = string(lifecycle.StageSupplement)
		case u < 0.97:
			info.EndedAt = received.Add(span / 2)
			info.Stage = string(lifecycle.StageStopped)
		default:
			info.EndedAt = received.Add(time.Hour)
			info.Stage = string(lifecycle.StageWithdrawn)
		}
		switch {
		case !resultAt.IsZero() && resultAt.Before(o.Now):
			info.ResultAt, info.Stage = resultAt, string(lifecycle.StageReturned)
			info.ReturnedAt = resultAt.Add(20 * time.Hour)
			sum.SettledOrEnded++
		case !info.EndedAt.IsZero() && info.EndedAt.Before(o.Now):
			sum.SettledOrEnded++
		default:
			info.Timeliness, info.Late, info.EndedAt = "", false, time.Time{}
			if info.Stage != string(lifecycle.StageSupplement) {
				info.Stage = string(lifecycle.StageProcessing)
			}
			sum.Pending++
		}
		if local {
			sum.Local++
			if sum.FirstLocalDossier == "" {
				sum.FirstLocalDossier = code
			}
			if r.intn(4) == 0 && !info.ResultAt.IsZero() {
				info.RatedAt = info.ReturnedAt
				answers := []string{"rat-hai-long", "hai-long", "hai-long", "binh-thuong", "khong-hai-long"}
				info.Rating = []string{"hai-long=" + answers[r.intn(len(answers))], "thai-do=tan-tinh"}
			}
			info.Reception = receptionFacts(r, received)
			blob, err := localLife(info, n)
			if err != nil {
				return sum, err
			}
			sum.LocalLifeBytes = len(blob)
			i := info
			batch = append(batch, func(tx *offline.Tx) error { return tx.PutLife(i, blob) })
		} else {
			sum.Remote++
			i := info
			batch = append(batch, func(tx *offline.Tx) error { _, err := tx.PutRemoteLife(i); return err })
		}
		sum.Dossiers++
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
		switch v := r.intn(100); {
		case v < 3:
			outcome = "cache"
		case v < 5:
			outcome = "not_found"
		case v == 5:
			outcome = "error"
		}
		e := offline.AccessEntry{Time: at, Operator: Operators[r.intn(len(Operators))], Purpose: purposes[r.intn(len(purposes))],
			Action: offline.ActionLookup, Subject: store.SubjectRef(fmt.Sprintf("0%02d%09d", r.intn(96), r.intn(1_000_000_000))), Outcome: outcome}
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
	sum.BuildDuration = time.Since(start)
	return sum, nil
}

// receptionFacts draws how a dossier received here was received.
func receptionFacts(r *rng, received time.Time) *offline.ReceptionFacts {
	f := &offline.ReceptionFacts{Residence: offline.ResidenceDatabase, ResidenceAt: received.Add(-3 * time.Minute),
		IdentifiedAt: received.Add(-time.Duration(120+r.intn(900)) * time.Second)}
	switch v := r.intn(100); {
	case v < 55:
		f.Identity = offline.IdentityChip
	case v < 65:
		f.Identity = offline.IdentitySigned
	case v < 85:
		f.Identity = offline.IdentityQR
	default:
		f.Identity = offline.IdentityTyped
	}
	if r.intn(50) == 0 {
		f.Residence, f.Cached, f.ResidenceAt = offline.ResidenceCache, true, received.Add(-5*time.Hour)
	}
	if r.intn(200) == 0 {
		f.Residence = offline.ResidenceTyped
	}
	return f
}

// localLife is the sealed record of a dossier received here: its life with a synthetic
// applicant (the n-th "Người thử"), the reception step and the outcome's steps.
func localLife(i offline.LifeInfo, n int) ([]byte, error) {
	l := lifecycle.NewLife(lifecycle.Start{Code: i.Code, Service: i.Service, ServiceName: i.Service, ReceivedAt: i.ReceivedAt,
		Procedures: []lifecycle.Procedure{{ID: i.Service, Name: i.Service, Agency: "Ủy ban nhân dân cấp xã", Appointment: i.Due}},
		Channel:    lifecycle.Channel(i.Channel), Applicant: lifecycle.Applicant{Name: fmt.Sprintf("Người Thử %06d", n), ID: fmt.Sprintf("001%09d", n)},
		By: "cb01", Agency: "ward", Counter: i.Counter})
	l.Stage = lifecycle.Stage(i.Stage)
	l.ResultAt, l.ReturnedAt = i.ResultAt, i.ReturnedAt
	return json.Marshal(l)
}
