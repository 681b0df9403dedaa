package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
)

// The late watch and the dossier book (Mẫu 07), over the unsealed index of every dossier the
// counter knows: its own (with their sealed lives for the book's names) and the other
// counters' (from the gateway's list).

// LateItem is a dossier of the late watch (no personal data).
type LateItem struct {
	offline.LifeInfo
	// DaysLeft is the number of working days from today to the appointment's day: 0 today,
	// negative once past.
	DaysLeft int `json:"daysLeft"`
	// Past: the appointment in force is past; Late: the appointment given at reception is
	// (a dossier whose appointment an apology moved is late, and extended).
	Past bool `json:"past"`
	Late bool `json:"late"`
}

// LateWatchOptions choose the dossiers of the late watch.
type LateWatchOptions struct {
	Days    int    // within this many working days (default 2)
	Counter string // only this counter's ("" every counter's)
	OwnOnly bool   // only the dossiers received here
}

// LateWatch lists the dossiers without a result whose appointment falls within opt.Days
// working days (the working-day calendar), or is past, the most urgent first.
func (s *Service) LateWatch(op Operator, opt LateWatchOptions) ([]LateItem, error) {
	if err := s.Allow(op, ActLateWatch); err != nil {
		return nil, err
	}
	if opt.Days <= 0 {
		opt.Days = 2
	}
	loc := s.loc()
	today := lookups.DateOf(s.clock().In(loc))
	limit, err := s.calendar.AddWorkingDays(today, opt.Days)
	if err != nil { // the calendar does not reach so far: weekdays only
		limit = today
		for n := 0; n < opt.Days; {
			limit = lookups.DateOf(limit.Time(time.UTC).AddDate(0, 0, 1))
			if wd := limit.Time(time.UTC).Weekday(); wd != time.Saturday && wd != time.Sunday {
				n++
			}
		}
	}
	var out []LateItem
	err = s.store.View(func(tx *offline.Tx) error {
		return tx.ScanLife(func(i offline.LifeInfo) error {
			if !lifecycle.Stage(i.Stage).Pending() || i.Appointment.IsZero() || (opt.OwnOnly && i.Remote) || (opt.Counter != "" && i.Counter != opt.Counter) {
				return nil
			}
			day := lookups.DateOf(i.Appointment.In(loc))
			if limit.Before(day) {
				return nil
			}
			out = append(out, LateItem{LifeInfo: i, DaysLeft: s.workingDaysBetween(today, day), Past: day.Before(today),
				Late: !i.Due.IsZero() && lookups.DateOf(i.Due.In(loc)).Before(today)})
			return nil
		})
	})
	sort.SliceStable(out, func(a, b int) bool {
		if !out[a].Appointment.Equal(out[b].Appointment) {
			return out[a].Appointment.Before(out[b].Appointment)
		}
		return out[a].Code < out[b].Code
	})
	return out, err
}

// workingDaysBetween counts the working days from a to b (negative when b is before a); days
// the calendar does not cover count by the weekday rule.
func (s *Service) workingDaysBetween(a, b lookups.Date) int {
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a.Time(time.UTC); d.Before(b.Time(time.UTC)) && n < 1000; {
		d = d.AddDate(0, 0, 1)
		day := lookups.DateOf(d)
		if s.calendar.Covers(day) && s.calendar.IsWorkingDay(day) ||
			!s.calendar.Covers(day) && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n++
		}
	}
	return sign * n
}

// BookFilter chooses the rows of the dossier book.
type BookFilter struct {
	From, To time.Time // reception within [From, To); zero: unbounded
	Service  string
	Stages   []lifecycle.Stage
	Late     *bool // only late dossiers (true) or only those not late (false)
	Counter  string
	Channel  lifecycle.Channel
	OwnOnly  bool // only the dossiers received here
	// Refresh asks the gateway for the agency's list of the period first: the other
	// counters' dossiers are brought up to date, with their applicants' names (which are not
	// kept here). Offline, the book is made from this machine's data and says so.
	Refresh bool
}

// BookResult is the book of a period, ready to print or export.
type BookResult struct {
	Book    forms.Book
	Fresh   bool  // the gateway's list was taken in
	Offline bool  // Refresh was asked and the gateway could not be reached
	LinkErr error // why
	Local   int   // rows of dossiers received here
	Remote  int   // rows of other counters' dossiers
}

// Book makes the dossier book (Mẫu 07) for a filter; exporting it (ExportBookXLSX) is logged
// by the caller through BookExported.
func (s *Service) Book(ctx context.Context, op Operator, f BookFilter) (*BookResult, error) {
	if err := s.Allow(op, ActBook); err != nil {
		return nil, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return nil, ErrBookRange
	}
	res := &BookResult{}
	names := map[string]string{}
	if f.Refresh {
		if err := s.refreshBook(ctx, op, f, names); err != nil {
			res.Offline, res.LinkErr = true, err
		} else {
			res.Fresh = true
		}
	}
	loc, now := s.loc(), s.clock()
	keep := func(i offline.LifeInfo) bool {
		switch {
		case !f.From.IsZero() && i.ReceivedAt.Before(f.From), !f.To.IsZero() && !i.ReceivedAt.Before(f.To),
			f.Service != "" && i.Service != f.Service, f.Counter != "" && i.Counter != f.Counter,
			f.Channel != "" && i.Channel != string(f.Channel), f.OwnOnly && i.Remote,
			len(f.Stages) > 0 && !slices.Contains(f.Stages, lifecycle.Stage(i.Stage)):
			return false
		}
		if f.Late != nil {
			late := infoTimeliness(i, now, loc) == lifecycle.TimelyLate
			if late != *f.Late {
				return false
			}
		}
		return true
	}
	b := forms.Book{FormHeader: s.header(now), From: f.From, To: f.To, Filter: s.describeFilter(f)}
	err := s.store.View(func(tx *offline.Tx) error {
		infos, err := tx.ListLifeReceived(f.From, f.To, keep)
		if err != nil {
			return err
		}
		b.Rows = make([]forms.BookRow, 0, len(infos))
		for n, i := range infos {
			var row forms.BookRow
			if i.Remote {
				row = s.remoteRow(i, names[i.Code], now)
				res.Remote++
			} else {
				blob, _, err := tx.GetLife(i.Code)
				if err != nil {
					return err
				}
				var l lifecycle.Life
				if err := json.Unmarshal(blob, &l); err != nil {
					return fmt.Errorf("counter: stored life of %s: %w", i.Code, err)
				}
				row = s.bookRow(&l, now)
				res.Local++
			}
			row.No = n + 1
			b.Rows = append(b.Rows, row)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Book = b
	return res, nil
}

// BookExported records in the access log that op exported rows of the book (names in them).
func (s *Service) BookExported(op Operator, rows int) {
	s.logAccess(offline.AccessEntry{Operator: s.actorID(op), Purpose: gateway.PurposeBook, Action: ActionBook, Outcome: "ok",
		Detail: fmt.Sprintf("rows=%d", rows)})
}

// refreshBook takes in the gateway's list of the period: the other counters' dossiers go to
// the index, their applicants' names to names (for this book only).
func (s *Service) refreshBook(ctx context.Context, op Operator, f BookFilter, names map[string]string) error {
	q := gateway.DossierQuery{Limit: gateway.MaxPage}
	loc := s.loc()
	if !f.From.IsZero() {
		q.From = lookups.DateOf(f.From.In(loc)).ISO()
	}
	if !f.To.IsZero() {
		q.To = lookups.DateOf(f.To.Add(-time.Nanosecond).In(loc)).ISO()
	}
	for _, st := range f.Stages {
		q.Stages = append(q.Stages, string(st))
	}
	agency, _ := s.where()
	meta := lookups.CallMeta{Operator: s.actorID(op), Purpose: gateway.PurposeBook}
	items, _, err := s.agencyList(ctx, agency, q, meta)
	if err != nil {
		return err
	}
	refused := 0
	err = s.store.Update(func(tx *offline.Tx) error {
		refused = 0
		for _, d := range items {
			// one bad entry does not cost the book
			if _, kept, err := s.putRemote(tx, d); err != nil {
				return err
			} else if !kept {
				refused++
				continue
			}
			if d.Applicant != "" {
				names[d.Code] = d.Applicant
			}
		}
		return nil
	})
	s.noteRefused(refused)
	return err
}

// infoTimeliness is an index entry's timeliness (see lifecycle.ProcedureLife.Timeliness).
func infoTimeliness(i offline.LifeInfo, now time.Time, loc *time.Location) string {
	if i.Late {
		return lifecycle.TimelyLate
	}
	return lifecycle.ProcedureLife{Stage: lifecycle.Stage(i.Stage), Due: i.Due, ResultAt: i.ResultAt}.Timeliness(now, loc)
}

// bookRow is the book's row of a dossier received here.
func (s *Service) bookRow(l *lifecycle.Life, now time.Time) forms.BookRow {
	loc := s.loc()
	row := forms.BookRow{Code: l.Code, ServiceName: l.ServiceName, Count: 1, Applicant: l.Applicant.Name,
		Handler: handlers(l, lifecycle.Step{}), ReceivedAt: l.ReceivedAt.In(loc), Appointment: l.Appointment.In(loc),
		Stage: l.Stage.Label(), Timeliness: lifecycle.TimelinessLabel(l.Timeliness(now, loc)), Channel: l.Channel.Label(), Counter: l.Counter}
	addr := l.Applicant.Address
	if l.Applicant.Phone != "" {
		addr = strings.TrimPrefix(addr+"; ĐT: "+l.Applicant.Phone, "; ")
	}
	row.Address = addr
	if !l.ResultAt.IsZero() {
		row.ResultAt = l.ResultAt.In(loc)
	}
	if !l.ReturnedAt.IsZero() {
		row.ReturnedAt = l.ReturnedAt.In(loc)
	}
	var notes []string
	if st, ok := l.Last(lifecycle.EventReturned); ok && st.Receiver != nil {
		row.Receiver = st.Receiver.Name
		if st.Receiver.Relation == lifecycle.ReceiverAuthorised {
			row.Receiver += " (được ủy quyền)"
		}
	}
	if st, ok := l.Last(lifecycle.EventExtended); ok {
		notes = append(notes, "Đã xin lỗi, hẹn lại ngày "+st.Appointment.In(loc).Format("02/01/2006"))
	}
	if st, ok := l.Last(lifecycle.EventStopped); ok {
		notes = append(notes, "Dừng giải quyết: "+st.Reason)
	}
	if st, ok := l.Last(lifecycle.EventWithdrawn); ok {
		notes = append(notes, "Rút hồ sơ "+st.At.In(loc).Format("02/01/2006"))
	}
	if l.Remote {
		notes = append(notes, "Tiếp nhận tại quầy "+l.Counter)
	}
	row.Note = strings.Join(notes, "; ")
	return row
}

// remoteRow is the book's row of another counter's dossier (name from the gateway's list of
// this book, when it gave one).
func (s *Service) remoteRow(i offline.LifeInfo, name string, now time.Time) forms.BookRow {
	loc := s.loc()
	row := forms.BookRow{Code: i.Code, ServiceName: i.Service, Count: 1, Applicant: name, ReceivedAt: i.ReceivedAt.In(loc),
		Appointment: i.Appointment.In(loc), Stage: lifecycle.Stage(i.Stage).Label(),
		Timeliness: lifecycle.TimelinessLabel(infoTimeliness(i, now, loc)), Channel: lifecycle.Channel(i.Channel).Label(), Counter: i.Counter,
		Note: "Tiếp nhận tại quầy " + i.Counter}
	if sp, ok := s.spec(i.Service); ok {
		row.ServiceName, row.Handler = sp.Name, s.handler(sp.Agency)
	}
	if !i.ResultAt.IsZero() {
		row.ResultAt = i.ResultAt.In(loc)
	}
	if !i.ReturnedAt.IsZero() {
		row.ReturnedAt = i.ReturnedAt.In(loc)
	}
	if i.Extended {
		row.Note += "; đã xin lỗi, hẹn lại"
	}
	return row
}

// describeFilter writes the filters in force in Vietnamese, for the book's header.
func (s *Service) describeFilter(f BookFilter) string {
	var parts []string
	if f.Service != "" {
		name := f.Service
		if sp, ok := s.spec(f.Service); ok {
			name = sp.Name
		}
		parts = append(parts, "thủ tục: "+name)
	}
	if len(f.Stages) > 0 {
		var ls []string
		for _, st := range f.Stages {
			ls = append(ls, st.Label())
		}
		parts = append(parts, "trạng thái: "+strings.Join(ls, ", "))
	}
	if f.Late != nil {
		if *f.Late {
			parts = append(parts, "chỉ hồ sơ quá hạn")
		} else {
			parts = append(parts, "hồ sơ không quá hạn")
		}
	}
	if f.Counter != "" {
		parts = append(parts, "quầy "+f.Counter)
	}
	if f.Channel != "" {
		parts = append(parts, "hình thức: "+f.Channel.Label())
	}
	if f.OwnOnly {
		parts = append(parts, "chỉ hồ sơ tiếp nhận tại máy này")
	}
	return strings.Join(parts, "; ")
}

// ErrBookRange reports a period whose end is not after its start.
var ErrBookRange = errors.New("counter: the book's period ends before it starts")
