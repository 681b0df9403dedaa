package reports

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/offline"
)

// Period is a span of whole days in the counter's zone: [From, To), From at midnight of the
// first day, To at midnight after the last.
type Period struct {
	From, To time.Time
}

// Days returns the period of the days first to last (inclusive) in loc.
func Days(first, last lookups.Date, loc *time.Location) Period {
	return Period{From: first.Time(loc), To: last.Time(loc).AddDate(0, 0, 1)}
}

// Today is now's day. Today, ThisWeek (from Monday) and ThisMonth are the periods the
// supervisor's screen offers, up to and including now's day.
func Today(now time.Time) Period {
	d := lookups.DateOf(now)
	return Days(d, d, now.Location())
}

// ThisWeek is the week of now, from its Monday to now's day.
func ThisWeek(now time.Time) Period {
	off := (int(now.Weekday()) + 6) % 7
	return Days(lookups.DateOf(now.AddDate(0, 0, -off)), lookups.DateOf(now), now.Location())
}

// ThisMonth is the month of now, from its first day to now's day.
func ThisMonth(now time.Time) Period {
	return Days(lookups.DateOf(time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, now.Location())), lookups.DateOf(now), now.Location())
}

// Last is the period's last day.
func (p Period) Last() lookups.Date { return lookups.DateOf(p.To.Add(-time.Nanosecond)) }

// First is the period's first day.
func (p Period) First() lookups.Date { return lookups.DateOf(p.From) }

// MaxDays bounds a period (a little over a year).
const MaxDays = 400

// ErrPeriod is returned for a period that ends before it starts or spans more than MaxDays.
var ErrPeriod = errors.New("reports: invalid period")

// Counts are the dossier figures of the whole ward, or of one service.
type Counts struct {
	// CarriedOver: received before the period, still pending at its start. Received: received
	// in the period, in all and per channel.
	CarriedOver int `json:"carriedOver"`
	Received    int `json:"received"`
	InPerson    int `json:"inPerson"`
	Online      int `json:"online"`
	Post        int `json:"post"`
	// Settled: a result in the period, early / on time / late against the due day given at
	// reception.
	Settled int `json:"settled"`
	Early   int `json:"early"`
	OnTime  int `json:"onTime"`
	Late    int `json:"late"`
	// Pending at the period's end (or now, for a period that has not ended): within or past
	// the due day.
	Pending       int `json:"pending"`
	PendingInTime int `json:"pendingInTime"`
	PendingLate   int `json:"pendingLate"`
	// Ended without a result in the period.
	Stopped   int `json:"stopped"`
	Withdrawn int `json:"withdrawn"`
	// Supplement: a supplement asked for while the dossier was handled, in the period.
	Supplement int `json:"supplement"`
	// At reception, in the period: supplement slips (Mẫu 02) and refusals (Mẫu 03), recorded
	// at this counter.
	SupplementSlips int `json:"supplementSlips"`
	Refused         int `json:"refused"`
}

// ServiceCounts are the figures of one service.
type ServiceCounts struct {
	Service string `json:"service"`
	Name    string `json:"name"`
	Counts
}

// ChannelCount is how many dossiers of the period were filed through a channel.
type ChannelCount struct {
	Channel string `json:"channel"`
	Label   string `json:"label"`
	N       int    `json:"n"`
}

// Day is one day's activity, for the sparklines.
type Day struct {
	Date     string `json:"date"` // YYYY-MM-DD
	Received int    `json:"received"`
	Settled  int    `json:"settled"`
	Lookups  int    `json:"lookups"`
}

// Option is one answer of the satisfaction question and how many chose it.
type Option struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	N     int    `json:"n"`
}

// Satisfaction is the citizens' answers to the rating set's first question (forms/ratingset/ratings.toml)
// given in the period, at this counter.
type Satisfaction struct {
	Question  string   `json:"question"`
	Rated     int      `json:"rated"`
	Satisfied int      `json:"satisfied"` // answers of the top two scores
	Share     float64  `json:"share"`     // Satisfied / Rated, 0 when none
	Options   []Option `json:"options"`
}

// Tally is a count under a code and its label.
type Tally struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	N     int    `json:"n"`
}

// Lookups are the look-ups of the population database in the period (the access log: every
// look-up, answered by the gateway or the cache).
type Lookups struct {
	Total      int     `json:"total"`
	ByPurpose  []Tally `json:"byPurpose"`
	ByOperator []Tally `json:"byOperator"`
	ByOutcome  []Tally `json:"byOutcome"`
	CardReads  int     `json:"cardReads"`
}

// Share is a part of a whole.
type Share struct {
	N     int     `json:"n"`
	Of    int     `json:"of"`
	Share float64 `json:"share"`
}

func share(n, of int) Share {
	s := Share{N: n, Of: of}
	if of > 0 {
		s.Share = float64(n) / float64(of)
	}
	return s
}

// DeAn06 are the figures only the counter can prove, over the dossiers received at this
// counter in the period whose reception was recorded with its facts (Known of Received).
type DeAn06 struct {
	Received int `json:"received"` // dossiers received at this counter in the period
	Known    int `json:"known"`    // of which the reception facts are recorded
	// Residence: where the applicant's residence came from, among Known with a residence.
	ResidenceLive  int `json:"residenceLive"`  // the database, through the gateway
	ResidenceCache int `json:"residenceCache"` // the database, from the cache
	ResidenceTyped int `json:"residenceTyped"` // typed by the clerk
	ResidenceCard  int `json:"residenceCard"`  // as printed on the card
	WithResidence  int `json:"withResidence"`
	// FromDatabase: residence from the database (live or cached) and no CT07/CT08 among the
	// documents, of WithResidence.
	FromDatabase Share `json:"fromDatabase"`
	PaperAsked   int   `json:"paperAsked"` // dossiers with a CT07/CT08 among the documents
	// OldestCache is the age, at reception, of the oldest cached residence used (seconds).
	OldestCache float64 `json:"oldestCacheSeconds"`
	// Identity: how the applicant was identified, of Known.
	Chip        int   `json:"chip"`   // chip read, the chip proven original
	Signed      int   `json:"signed"` // chip read, the data signed, the chip not proven
	QR          int   `json:"qr"`
	Typed       int   `json:"typed"`
	ByChip      Share `json:"byChip"`      // Chip + Signed of Known
	ChipProven  Share `json:"chipProven"`  // Chip of Known
	FromCache   Share `json:"fromCache"`   // served from the cache while the link was down, of Known
	Unmeasured  int   `json:"unmeasured"`  // Known without a counter time (entered from paper, a visit over days)
	MeasuredSum int   `json:"measuredSum"` // Known with a counter time
}

// CounterTime is the time at the counter from the visit's first identification to the
// receipt, of the dossiers received here whose time was measured.
type CounterTime struct {
	Service string  `json:"service"` // "" for all services
	Name    string  `json:"name"`
	N       int     `json:"n"`
	Median  float64 `json:"medianSeconds"`
	P90     float64 `json:"p90Seconds"`
}

// Report is the leadership's report of a period.
type Report struct {
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`   // exclusive: midnight after the last day
	AsOf        time.Time `json:"asOf"` // when the pending dossiers are counted: the period's end, or now
	GeneratedAt time.Time `json:"generatedAt"`
	Agency      string    `json:"agency"`
	// The ward's list: when it was last synced from the gateway (zero: never), whether this
	// report refreshed it, or could not.
	SyncedAt time.Time `json:"syncedAt,omitzero"`
	Fresh    bool      `json:"fresh"`
	Offline  bool      `json:"offline,omitempty"`
	// Dossiers of the period received here and at the ward's other counters.
	Local  int `json:"local"`
	Remote int `json:"remote"`

	Totals       Counts          `json:"totals"`
	Services     []ServiceCounts `json:"services"`
	Channels     []ChannelCount  `json:"channels"`
	Days         []Day           `json:"days"`
	Satisfaction Satisfaction    `json:"satisfaction"`
	Lookups      Lookups         `json:"lookups"`
	DeAn06       DeAn06          `json:"deAn06"`
	CounterTime  []CounterTime   `json:"counterTime"` // all services first, then each
	Fees         Fees            `json:"fees"`
}

// FeeRow is what one kind of charge brought in the period (counter.FeeCount): the copy
// certification desk's register entries, or one procedure's fees in the dossiers received.
type FeeRow struct {
	Procedure string `json:"procedure"` // the procedure's ID; "" for the copy certification desk
	Name      string `json:"name"`
	counter.FeeCount
}

// Fees are the fees (phí, lệ phí) charged at this counter in the period
// (counter.FeesCollected): the desk's certifications, then each procedure with a fee by amount
// collected; Total is the đồng of all of them.
type Fees struct {
	Certifications FeeRow           `json:"certifications"`
	Procedures     []FeeRow         `json:"procedures"`
	Dossiers       counter.FeeCount `json:"dossiers"` // the procedures together
	Total          int64            `json:"total"`
}

// Options adapt Compute.
type Options struct {
	// Refresh pulls the ward's list from the gateway first (what changed since the last
	// pull); offline, the report is made from this machine's data and says so.
	Refresh bool
}

// Compute makes the report of p for op, who must be a supervisor.
func Compute(ctx context.Context, svc *counter.Service, op counter.Operator, p Period, opt Options) (*Report, error) {
	if err := svc.Allow(op, counter.ActReport); err != nil {
		return nil, err
	}
	if !p.To.After(p.From) || p.To.Sub(p.From) > MaxDays*25*time.Hour {
		return nil, ErrPeriod
	}
	r := &Report{From: p.From, To: p.To, GeneratedAt: svc.Now()}
	if opt.Refresh {
		if _, err := svc.PullLife(ctx); err != nil {
			r.Offline = true
		} else {
			r.Fresh = true
		}
	}
	c := newComputer(svc, p, r)
	fees, err := svc.FeesCollected(op, p.From, p.To)
	if err != nil {
		return nil, err
	}
	c.fees(fees)
	err = svc.Store().View(func(tx *offline.Tx) error {
		var err error
		if r.SyncedAt, err = tx.LifeMark(counter.PullMark); err != nil {
			return err
		}
		if err := tx.ScanLifeFacts(c.dossier); err != nil {
			return err
		}
		slips, err := tx.ListSlips(p.From, p.To)
		if err != nil {
			return err
		}
		for _, s := range slips {
			c.slip(s)
		}
		return tx.AccessCounts(p.From, p.To, c.access)
	})
	if err != nil {
		return nil, err
	}
	c.finish()
	return r, nil
}

// computer accumulates the figures in one pass over the store.
type computer struct {
	r         *Report
	p         Period
	loc       *time.Location
	asOf      time.Time
	asOfDay   lookups.Date
	names     map[string]string
	procNames map[string]string
	services  map[string]*ServiceCounts
	days      map[lookups.Date]*Day
	times     map[string][]float64
	ratings   map[string]int
	rq        *forms.RatingQuestion
	purposes  map[string]int
	ops       map[string]int
	outcomes  map[string]int
	oldest    time.Duration
}

func newComputer(svc *counter.Service, p Period, r *Report) *computer {
	loc := svc.Location()
	asOf := p.To
	if now := svc.Now(); now.Before(asOf) {
		asOf = now
	}
	r.AsOf = asOf
	r.Agency = svc.AgencyCode()
	c := &computer{r: r, p: p, loc: loc, asOf: asOf, asOfDay: lookups.DateOf(asOf.In(loc)), names: map[string]string{}, procNames: map[string]string{},
		services: map[string]*ServiceCounts{}, days: map[lookups.Date]*Day{}, times: map[string][]float64{},
		ratings: map[string]int{}, purposes: map[string]int{}, ops: map[string]int{}, outcomes: map[string]int{}}
	for _, sp := range svc.Services() {
		c.names[sp.ID] = sp.Name
		for _, pr := range sp.Procedures() { // the fees are per procedure (a bundle has several)
			if _, ok := c.procNames[pr.ID]; !ok {
				c.procNames[pr.ID] = pr.Name
			}
		}
	}
	if set := forms.Ratings(); len(set.Questions) > 0 {
		c.rq = &set.Questions[0]
	}
	for d := p.From; d.Before(p.To); d = d.AddDate(0, 0, 1) {
		day := lookups.DateOf(d.In(loc))
		c.days[day] = &Day{Date: day.ISO()}
	}
	return c
}

func (c *computer) in(t time.Time) bool {
	return !t.IsZero() && !t.Before(c.p.From) && t.Before(c.p.To)
}

func (c *computer) service(code string) *Counts {
	s, ok := c.services[code]
	if !ok {
		name := c.names[code]
		if name == "" {
			name = code
		}
		s = &ServiceCounts{Service: code, Name: name}
		c.services[code] = s
	}
	return &s.Counts
}

func (c *computer) day(t time.Time) *Day { return c.days[lookups.DateOf(t.In(c.loc))] }

// both applies f to the totals and to the service's counts.
func (c *computer) both(service string, f func(*Counts)) {
	f(&c.r.Totals)
	f(c.service(service))
}

// dossier takes one dossier of the index: it counts in the totals and in its service's row.
func (c *computer) dossier(i *offline.LifeInfo) error {
	if !i.ReceivedAt.Before(c.asOf) && !c.in(i.ReceivedAt) {
		return nil // received after the period
	}
	before := func(t time.Time, at time.Time) bool { return !t.IsZero() && t.Before(at) }
	received := c.in(i.ReceivedAt)
	carried := i.ReceivedAt.Before(c.p.From) && !before(i.ResultAt, c.p.From) && !before(i.EndedAt, c.p.From)
	if !received && !carried {
		return nil
	}
	const (
		none = iota
		settled
		ended
		pending
	)
	state := none
	switch {
	case c.in(i.ResultAt) && i.ResultAt.Before(c.asOf):
		state = settled
	case c.in(i.EndedAt) && i.EndedAt.Before(c.asOf):
		state = ended
	case !before(i.ResultAt, c.asOf) && !before(i.EndedAt, c.asOf):
		state = pending
	}
	late := !i.Due.IsZero() && lookups.DateOf(i.Due.In(c.loc)).Before(c.asOfDay)
	for _, n := range [2]*Counts{&c.r.Totals, c.service(i.Service)} {
		if carried {
			n.CarriedOver++
		} else {
			n.Received++
			switch lifecycle.Channel(i.Channel) {
			case lifecycle.ChannelOnline:
				n.Online++
			case lifecycle.ChannelPost:
				n.Post++
			default:
				n.InPerson++
			}
		}
		switch state {
		case settled:
			n.Settled++
			switch i.Timeliness {
			case lifecycle.TimelyEarly:
				n.Early++
			case lifecycle.TimelyLate:
				n.Late++
			default:
				n.OnTime++
			}
		case ended:
			if lifecycle.Stage(i.Stage) == lifecycle.StageWithdrawn {
				n.Withdrawn++
			} else {
				n.Stopped++
			}
		case pending:
			n.Pending++
			if late {
				n.PendingLate++
			} else {
				n.PendingInTime++
			}
		}
		if c.in(i.SupplementAt) {
			n.Supplement++
		}
	}
	if received {
		if d := c.day(i.ReceivedAt); d != nil {
			d.Received++
		}
		if i.Remote {
			c.r.Remote++
		} else {
			c.r.Local++
			c.reception(i)
		}
	}
	if state == settled {
		if d := c.day(i.ResultAt); d != nil {
			d.Settled++
		}
	}
	if c.in(i.RatedAt) && c.rq != nil {
		for _, a := range i.Rating {
			q, ans, _ := strings.Cut(a, "=")
			if q == c.rq.ID {
				c.ratings[ans]++
			}
		}
	}
	return nil
}

// reception takes the Đề án 06 facts and the counter time of a dossier received here.
func (c *computer) reception(i *offline.LifeInfo) {
	d := &c.r.DeAn06
	d.Received++
	f := i.Reception
	if f == nil {
		return
	}
	d.Known++
	switch f.Residence {
	case offline.ResidenceDatabase:
		d.ResidenceLive++
	case offline.ResidenceCache:
		d.ResidenceCache++
		if age := i.ReceivedAt.Sub(f.ResidenceAt); !f.ResidenceAt.IsZero() && age > c.oldest {
			c.oldest = age
		}
	case offline.ResidenceTyped:
		d.ResidenceTyped++
	case offline.ResidenceCard:
		d.ResidenceCard++
	}
	if f.Residence != "" {
		d.WithResidence++
		if (f.Residence == offline.ResidenceDatabase || f.Residence == offline.ResidenceCache) && !f.PaperResidence {
			d.FromDatabase.N++
		}
	}
	if f.PaperResidence {
		d.PaperAsked++
	}
	switch f.Identity {
	case offline.IdentityChip:
		d.Chip++
	case offline.IdentitySigned:
		d.Signed++
	case offline.IdentityQR:
		d.QR++
	default:
		d.Typed++
	}
	if f.Cached {
		d.FromCache.N++
	}
	// the time at the counter: from the first identification to the receipt, the same day
	if f.Backlog || f.IdentifiedAt.IsZero() || i.ReceivedAt.Before(f.IdentifiedAt) ||
		lookups.DateOf(f.IdentifiedAt.In(c.loc)) != lookups.DateOf(i.ReceivedAt.In(c.loc)) {
		d.Unmeasured++
		return
	}
	d.MeasuredSum++
	secs := i.ReceivedAt.Sub(f.IdentifiedAt).Seconds()
	c.times[""] = append(c.times[""], secs)
	c.times[i.Service] = append(c.times[i.Service], secs)
}

// fees takes the fees of the period, the procedures ordered by amount, then cases, then ID.
func (c *computer) fees(t counter.FeeTotals) {
	f := Fees{Certifications: FeeRow{Name: CertificationsLabel, FeeCount: t.Certifications}, Dossiers: t.Dossiers, Total: t.Total}
	for id, n := range t.Procedures {
		name := c.procNames[id]
		if name == "" {
			name = id
		}
		f.Procedures = append(f.Procedures, FeeRow{Procedure: id, Name: name, FeeCount: n})
	}
	sort.Slice(f.Procedures, func(a, b int) bool {
		x, y := f.Procedures[a], f.Procedures[b]
		if x.Amount != y.Amount {
			return x.Amount > y.Amount
		}
		if x.Cases != y.Cases {
			return x.Cases > y.Cases
		}
		return x.Procedure < y.Procedure
	})
	c.r.Fees = f
}

// CertificationsLabel names the copy certification desk's row of the fees.
const CertificationsLabel = "Chứng thực bản sao tại bàn chứng thực"

// slip takes a reception slip of the period.
func (c *computer) slip(s offline.SlipInfo) {
	c.both(s.Service, func(n *Counts) {
		if s.Kind == offline.SlipRefusal {
			n.Refused++
		} else {
			n.SupplementSlips++
		}
	})
}

// access takes one hour's count of the access log.
func (c *computer) access(a offline.AccessCount) error {
	switch a.Action {
	case offline.ActionLookup:
		n := int(a.N)
		c.r.Lookups.Total += n
		c.purposes[a.Purpose] += n
		c.ops[a.Operator] += n
		c.outcomes[a.Outcome] += n
		if d := c.day(a.Hour); d != nil {
			d.Lookups += n
		}
	case offline.ActionCardRead:
		c.r.Lookups.CardReads += int(a.N)
	}
	return nil
}

// finish orders the tables and derives the shares and the times.
func (c *computer) finish() {
	r := c.r
	for _, s := range c.services {
		r.Services = append(r.Services, *s)
	}
	sort.Slice(r.Services, func(a, b int) bool {
		x, y := r.Services[a], r.Services[b]
		if x.Received+x.CarriedOver != y.Received+y.CarriedOver {
			return x.Received+x.CarriedOver > y.Received+y.CarriedOver
		}
		return x.Service < y.Service
	})
	r.Channels = []ChannelCount{
		{Channel: string(lifecycle.ChannelInPerson), Label: lifecycle.ChannelInPerson.Label(), N: r.Totals.InPerson},
		{Channel: string(lifecycle.ChannelOnline), Label: lifecycle.ChannelOnline.Label(), N: r.Totals.Online},
		{Channel: string(lifecycle.ChannelPost), Label: lifecycle.ChannelPost.Label(), N: r.Totals.Post},
	}
	for d := c.p.From; d.Before(c.p.To); d = d.AddDate(0, 0, 1) {
		r.Days = append(r.Days, *c.days[lookups.DateOf(d.In(c.loc))])
	}
	if q := c.rq; q != nil {
		s := Satisfaction{Question: q.Text}
		top := topScores(q)
		for _, o := range q.Options {
			n := c.ratings[o.ID]
			s.Options = append(s.Options, Option{ID: o.ID, Label: o.Text, N: n})
			s.Rated += n
			if slices.Contains(top, o.Score) {
				s.Satisfied += n
			}
		}
		if s.Rated > 0 {
			s.Share = float64(s.Satisfied) / float64(s.Rated)
		}
		r.Satisfaction = s
	}
	r.Lookups.ByPurpose = tallies(c.purposes, purposeLabel)
	r.Lookups.ByOperator = tallies(c.ops, func(s string) string { return s })
	r.Lookups.ByOutcome = tallies(c.outcomes, outcomeLabel)
	d := &r.DeAn06
	d.FromDatabase = share(d.FromDatabase.N, d.WithResidence)
	d.ByChip = share(d.Chip+d.Signed, d.Known)
	d.ChipProven = share(d.Chip, d.Known)
	d.FromCache = share(d.FromCache.N, d.Known)
	d.OldestCache = c.oldest.Seconds()
	r.CounterTime = append(r.CounterTime, counterTime("", "Tất cả thủ tục", c.times[""]))
	for _, s := range r.Services {
		if ts := c.times[s.Service]; len(ts) > 0 {
			r.CounterTime = append(r.CounterTime, counterTime(s.Service, s.Name, ts))
		}
	}
}

// topScores are the two highest scores of a question's options (the "satisfied" answers).
func topScores(q *forms.RatingQuestion) []int {
	var scores []int
	for _, o := range q.Options {
		if !slices.Contains(scores, o.Score) {
			scores = append(scores, o.Score)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(scores)))
	return scores[:min(2, len(scores))]
}

func tallies(m map[string]int, label func(string) string) []Tally {
	out := make([]Tally, 0, len(m))
	for k, n := range m {
		out = append(out, Tally{Code: k, Label: label(k), N: n})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].N != out[b].N {
			return out[a].N > out[b].N
		}
		return out[a].Code < out[b].Code
	})
	return out
}

// counterTime is the median and the 90th percentile (nearest rank) of ts.
func counterTime(service, name string, ts []float64) CounterTime {
	ct := CounterTime{Service: service, Name: name, N: len(ts)}
	if len(ts) == 0 {
		return ct
	}
	s := slices.Clone(ts)
	sort.Float64s(s)
	rank := func(p float64) float64 {
		k := int(p*float64(len(s))+0.9999999) - 1
		return s[max(0, min(k, len(s)-1))]
	}
	if len(s)%2 == 1 {
		ct.Median = s[len(s)/2]
	} else {
		ct.Median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	ct.P90 = rank(0.9)
	return ct
}

func purposeLabel(p string) string {
	switch p {
	case lookups.PurposeReception:
		return "Tiếp nhận hồ sơ (xác định công dân)"
	case lookups.PurposeDossier:
		return "Giải quyết hồ sơ"
	case lookups.PurposeSubmit:
		return "Gửi hồ sơ"
	case lookups.PurposeReconcile:
		return "Đối chiếu danh sách"
	case lookups.PurposeCheck:
		return "Kiểm tra thủ công"
	}
	return p
}

func outcomeLabel(o string) string {
	switch o {
	case "ok":
		return "CSDL trả lời"
	case "cache":
		return "Dùng bản lưu tạm (mất kết nối)"
	case "not_found":
		return "Không tìm thấy"
	case "error":
		return "Lỗi, không có kết quả"
	}
	return o
}

// Desk is a counter service that also makes the leadership's reports: what the counter
// screen is given as its backend (tui.Reports), the ward's list pulled first.
type Desk struct{ *counter.Service }

// Report is Compute with the ward's list refreshed.
func (d Desk) Report(ctx context.Context, op counter.Operator, p Period) (*Report, error) {
	return Compute(ctx, d.Service, op, p, Options{Refresh: true})
}
