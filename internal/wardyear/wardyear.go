// Package wardyear fills a counter's store with a ward-year of synthetic dossiers, for the
// benchmarks of the dossier book, the reports and the results desk (and any test that needs
// a large store). Everything it writes is synthetic and deterministic: the same Options give
// the same dossiers, names drawn from short fixed lists, ID numbers that are no one's.
//
// A ward-year is about 200,000 dossiers over the working days of the year before Now, spread
// over four counters: this counter's dossiers (LocalShare) get a sealed life record and an
// index entry, as a dossier received here has; the other counters' get only the index entry
// the gateway's list leaves (offline.Tx.PutRemoteLife). The lives go through the state
// machine (forms/lifecycle), so that what the book reads is what the counter would have
// written: most returned on time, some early, some late (a few after an apology with a new
// appointment), some stopped or withdrawn; the last weeks' still received, processing,
// waiting for a supplement or with their result ready.
package wardyear

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/offline"
)

// Options chooses the dossiers.
type Options struct {
	Dossiers   int       // how many; 0: 200,000
	Agency     string    // the ward's code; "": "G01.00004"
	Counter    int       // this counter (1-4); 0: 1
	LocalShare float64   // share received at this counter; 0: a quarter
	Now        time.Time // the end of the year; zero: 23/11/2026 10:00 ICT
	Seed       uint64    // 0: 1
	Batch      int       // dossiers per store transaction; 0: 5,000
	Services   []*forms.Spec
	Location   *time.Location // nil: ICT (UTC+7)
}

// Summary says what Fill wrote.
type Summary struct {
	Local, Remote int
	From, To      time.Time // the first and the last reception
	Codes         []string  // every code, in reception order
}

var ict = time.FixedZone("ICT", 7*3600)

func (o Options) withDefaults() Options {
	if o.Dossiers == 0 {
		o.Dossiers = 200_000
	}
	if o.Agency == "" {
		o.Agency = "G01.00004"
	}
	if o.Counter == 0 {
		o.Counter = 1
	}
	if o.LocalShare == 0 {
		o.LocalShare = 0.25
	}
	if o.Location == nil {
		o.Location = ict
	}
	if o.Now.IsZero() {
		o.Now = time.Date(2026, time.November, 23, 10, 0, 0, 0, o.Location)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Batch == 0 {
		o.Batch = 5000
	}
	if len(o.Services) == 0 {
		o.Services = forms.Catalog()
	}
	return o
}

var (
	surnames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	middles  = []string{"Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Thanh", "Hoài"}
	givens   = []string{"An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khánh", "Lan", "Linh", "Long", "Mai",
		"Nam", "Ngân", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"}
	streets = []string{"Phố Thử Nghiệm", "Ngõ Giả Lập", "Đường Mẫu", "Phố Tổng Hợp", "Ngách Số Liệu"}
)

// workingDays are the days Monday to Friday of the year before now, oldest first.
func workingDays(now time.Time, loc *time.Location) []time.Time {
	var out []time.Time
	end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	for d := end.AddDate(-1, 0, 1); !d.After(end); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			out = append(out, d)
		}
	}
	return out
}

// addWorkingDays is day plus n days Monday to Friday (holidays are not this package's care).
func addWorkingDays(day time.Time, n int) time.Time {
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if day.Weekday() != time.Saturday && day.Weekday() != time.Sunday {
			n--
		}
	}
	return day
}

// Fill writes the dossiers into st in transactions of opt.Batch.
func Fill(st *offline.Store, opt Options) (Summary, error) {
	opt = opt.withDefaults()
	days := workingDays(opt.Now, opt.Location)
	lastDay := -1
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x7761726479656172))
	sum := Summary{Codes: make([]string, 0, opt.Dossiers)}
	type item struct {
		info offline.LifeInfo
		blob []byte
	}
	batch := make([]item, 0, opt.Batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := st.Update(func(tx *offline.Tx) error {
			for _, it := range batch {
				if it.blob == nil {
					if _, err := tx.PutRemoteLife(it.info); err != nil {
						return err
					}
					continue
				}
				if err := tx.PutLife(it.info, it.blob); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	seq := map[int]int{}
	for n := 0; n < opt.Dossiers; n++ {
		di := n * len(days) / opt.Dossiers
		day := days[di]
		ctr := 1 + rng.IntN(4)
		if rng.Float64() < opt.LocalShare {
			ctr = opt.Counter
		} else if ctr == opt.Counter {
			ctr = 1 + (opt.Counter % 4)
		}
		seq[ctr]++
		if di != lastDay {
			clear(seq)
			seq[ctr], lastDay = 1, di
		}
		at := day.Add(time.Duration(7*60+30+rng.IntN(8*60)) * time.Minute)
		if at.After(opt.Now) {
			at = opt.Now.Add(-time.Duration(1+rng.IntN(150)) * time.Minute)
		}
		code := fmt.Sprintf("%s-%s-%02d%04d", opt.Agency, at.Format("060102"), ctr, seq[ctr])
		l, err := life(rng, opt, code, ctr, at)
		if err != nil {
			return sum, err
		}
		info := Info(l, opt.Location)
		var blob []byte
		if ctr == opt.Counter {
			if blob, err = json.Marshal(l); err != nil {
				return sum, err
			}
			sum.Local++
		} else {
			sum.Remote++
		}
		batch = append(batch, item{info, blob})
		if sum.From.IsZero() {
			sum.From = at
		}
		sum.To = at
		sum.Codes = append(sum.Codes, code)
		if len(batch) == opt.Batch {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	return sum, flush()
}

// Info is the store's index entry of a life, as the counter writes it (counter.Service's
// lifeInfo; TestInfoIsTheCounters in internal/counter keeps the two the same).
func Info(l *lifecycle.Life, loc *time.Location) offline.LifeInfo {
	info := offline.LifeInfo{Code: l.Code, Stage: string(l.Stage), Service: l.Service, Counter: l.Counter, Channel: string(l.Channel),
		ReceivedAt: l.ReceivedAt, Due: l.Due, Appointment: l.Appointment, ResultAt: l.ResultAt, ReturnedAt: l.ReturnedAt,
		Extended: l.Extended()}
	info.Late = !l.ResultAt.IsZero() && l.Timeliness(l.ResultAt, loc) == lifecycle.TimelyLate
	return info
}

// life draws one dossier's life up to opt.Now.
func life(rng *rand.Rand, opt Options, code string, ctr int, at time.Time) (*lifecycle.Life, error) {
	spec := opt.Services[rng.IntN(len(opt.Services))]
	in := lifecycle.Start{Code: code, Service: spec.ID, ServiceName: spec.Name, ReceivedAt: at, By: fmt.Sprintf("cb%02d", ctr),
		Agency: opt.Agency, Counter: fmt.Sprintf("%02d", ctr), Channel: lifecycle.ChannelInPerson}
	switch r := rng.Float64(); {
	case r < 0.10:
		in.Channel = lifecycle.ChannelOnline
	case r < 0.13:
		in.Channel = lifecycle.ChannelPost
	}
	name := surnames[rng.IntN(len(surnames))] + " " + middles[rng.IntN(len(middles))] + " " + givens[rng.IntN(len(givens))]
	in.Applicant = lifecycle.Applicant{Name: name, ID: fmt.Sprintf("0%02d%d%02d%06d", 1+rng.IntN(96), rng.IntN(4), rng.IntN(100), rng.IntN(1_000_000)),
		Address: fmt.Sprintf("Số %d %s, Phường Thử Nghiệm", 1+rng.IntN(200), streets[rng.IntN(len(streets))]),
		Phone:   fmt.Sprintf("09%08d", rng.IntN(100_000_000))}
	procs := spec.Procedures()
	if len(procs) == 0 {
		procs = []forms.Procedure{{ID: spec.ID, Name: spec.Name, Agency: spec.Agency, ProcessingDays: spec.ProcessingDays}}
	}
	day := time.Date(at.Year(), at.Month(), at.Day(), 8, 0, 0, 0, opt.Location)
	for _, p := range procs {
		in.Procedures = append(in.Procedures, lifecycle.Procedure{ID: p.ID, Name: p.Name, Agency: p.Agency,
			Appointment: addWorkingDays(day, max(p.ProcessingDays, 1))})
	}
	l := lifecycle.NewLife(in)
	due := l.Due
	step := func(ev lifecycle.Event, when time.Time, c lifecycle.Change) error {
		if when.After(opt.Now) {
			return errStop
		}
		if last := l.History[len(l.History)-1].At; !when.After(last) {
			when = last.Add(time.Minute)
		}
		c.Event, c.At, c.Agency = ev, when, opt.Agency
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
	err := step(lifecycle.EventStarted, at.Add(time.Duration(1+rng.IntN(30))*h), lifecycle.Change{})
	result := due.Add(-time.Duration(rng.IntN(20)) * h)
	switch r := rng.Float64(); {
	case err != nil:
	case r < 0.02:
		err = step(lifecycle.EventStopped, at.Add(24*h), lifecycle.Change{Reason: "Hồ sơ không đủ điều kiện giải quyết (số liệu tổng hợp)."})
	case r < 0.03:
		err = step(lifecycle.EventWithdrawn, at.Add(26*h), lifecycle.Change{Reason: "Công dân rút hồ sơ."})
	case r < 0.09:
		err = step(lifecycle.EventSupplementRequested, at.Add(20*h), lifecycle.Change{Items: []lifecycle.SupplementItem{
			{Document: "Giấy tờ chứng minh nơi cư trú", Problem: "Thiếu bản sao", Guidance: "Nộp bản sao có chứng thực"}}})
		if err == nil {
			err = step(lifecycle.EventSupplementReceived, at.Add(time.Duration(50+rng.IntN(70))*h), lifecycle.Change{})
		}
		result = result.Add(48 * h)
		if min := at.Add(121 * h); result.Before(min) {
			result = min
		}
	case r < 0.15:
		result = due.AddDate(0, 0, 1+rng.IntN(4)) // late
		if rng.IntN(2) == 0 {
			err = step(lifecycle.EventExtended, due.Add(-24*h), lifecycle.Change{Reason: "Cần xác minh thêm (số liệu tổng hợp).",
				Appointment: result.Add(24 * h)})
		}
	case r < 0.30:
		result = due.AddDate(0, 0, -1) // early
	}
	if err == nil && !l.Stage.Final() {
		err = step(lifecycle.EventResultReady, result, lifecycle.Change{})
		if err == nil {
			back := result.Add(time.Duration(2+rng.IntN(240)) * h) // some results wait days to be collected
			err = step(lifecycle.EventReturned, back, lifecycle.Change{Receiver: &lifecycle.Receiver{ID: in.Applicant.ID,
				Name: name, Relation: lifecycle.ReceiverRequester, Source: forms.SourceCard}})
		}
	}
	if err != nil && err != errStop {
		return nil, fmt.Errorf("wardyear: %s: %w", code, err)
	}
	return l, nil
}

var errStop = fmt.Errorf("wardyear: after now")
