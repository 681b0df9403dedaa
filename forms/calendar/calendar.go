package calendar

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"motcua/forms/internal/tomlfile"
	"motcua/lookups"
)

//go:embed vn-holidays.toml
var defaultFile []byte

// Day kinds in the file.
const (
	KindOff  = "off"  // a Monday-Friday without work (holiday, bridge day)
	KindWork = "work" // a Saturday or Sunday worked to make up a bridge day
)

// Calendar says which days are working days at the counter.
type Calendar struct {
	from, until lookups.Date
	days        map[lookups.Date]entry
}

type entry struct {
	work bool
	name string
}

var defaultCal = tomlfile.Embedded("calendar: embedded vn-holidays.toml", defaultFile, Load)

// Default returns the calendar of the embedded vn-holidays.toml. The value is
// shared and must not be modified (Calendar has no mutating methods).
func Default() *Calendar { return defaultCal() }

// DefaultFile returns a copy of the embedded file, e.g. to write it out for editing.
func DefaultFile() []byte { return bytes.Clone(defaultFile) }

// FileError is a problem in a calendar file. Its Error text is Vietnamese, for the
// person who edits the file, and names the line.
type FileError = tomlfile.FileError

// format is how the loader says a calendar file's problems.
var format = tomlfile.Format{Pkg: "calendar", What: "Lịch ngày nghỉ",
	Keys: "chỉ có valid_from, valid_until, [[day]] với date, kind, name"}

type fileDay struct {
	Date *toml.LocalDate `toml:"date"`
	Kind string          `toml:"kind"`
	Name string          `toml:"name"`
}

type fileDoc struct {
	ValidFrom  *toml.LocalDate `toml:"valid_from"`
	ValidUntil *toml.LocalDate `toml:"valid_until"`
	Day        []fileDay       `toml:"day"`
}

// Load reads a calendar file (TOML). Every error names the line of the
// problem: TOML syntax, unknown keys, missing or reversed validity dates, a
// day outside them, a repeated date, an unknown kind, an "off" day on a
// weekend or a "work" day on a weekday.
func Load(r io.Reader) (*Calendar, error) {
	var doc fileDoc
	data, err := format.Decode(r, &doc)
	if err != nil {
		return nil, err
	}
	lines := tomlfile.Scan(data)
	days := lines.Tables("[[day]]")
	if doc.ValidFrom == nil {
		return nil, format.Problem(0, "thiếu valid_from (ngày đầu tiên lịch có hiệu lực, dạng 2026-01-01).", nil)
	}
	if doc.ValidUntil == nil {
		return nil, format.Problem(0, "thiếu valid_until (ngày cuối cùng lịch có hiệu lực, dạng 2026-12-31).", nil)
	}
	c := &Calendar{
		from:  fromLocal(*doc.ValidFrom),
		until: fromLocal(*doc.ValidUntil),
		days:  make(map[lookups.Date]entry, len(doc.Day)),
	}
	if c.until.Before(c.from) {
		return nil, format.Problem(lines.Keys["valid_until"], "valid_until phải sau valid_from.", nil)
	}
	for i, d := range doc.Day {
		line := 0
		if i < len(days) {
			line = days[i]
		}
		if d.Date == nil {
			return nil, format.Problem(line, "mục [[day]] thiếu date (dạng 2026-02-16).", nil)
		}
		date := fromLocal(*d.Date)
		if !date.Valid() {
			return nil, format.Problem(line, fmt.Sprintf("ngày %s không tồn tại.", d.Date), nil)
		}
		if date.Before(c.from) || c.until.Before(date) {
			return nil, format.Problem(line, fmt.Sprintf("ngày %s nằm ngoài khoảng valid_from..valid_until (%s–%s).", date, c.from, c.until), nil)
		}
		if _, dup := c.days[date]; dup {
			return nil, format.Problem(line, fmt.Sprintf("ngày %s được ghi hai lần.", date), nil)
		}
		weekend := isWeekend(date)
		switch d.Kind {
		case KindOff:
			if weekend {
				return nil, format.Problem(line, fmt.Sprintf("ngày %s là thứ Bảy/Chủ nhật, vốn đã nghỉ: không cần kind = \"off\" (nghỉ bù ghi vào ngày thứ Hai–thứ Sáu được nghỉ).", date), nil)
			}
		case KindWork:
			if !weekend {
				return nil, format.Problem(line, fmt.Sprintf("ngày %s là ngày thường, vốn đã làm việc: kind = \"work\" chỉ dùng cho thứ Bảy/Chủ nhật làm bù.", date), nil)
			}
		default:
			return nil, format.Problem(line, fmt.Sprintf("kind phải là \"off\" (nghỉ) hoặc \"work\" (làm bù), không phải %q.", d.Kind), nil)
		}
		if strings.TrimSpace(d.Name) == "" {
			return nil, format.Problem(line, fmt.Sprintf("ngày %s thiếu name (tên ngày lễ hoặc lý do).", date), nil)
		}
		c.days[date] = entry{work: d.Kind == KindWork, name: strings.TrimSpace(d.Name)}
	}
	return c, nil
}

// LoadFile reads a calendar file from disk.
func LoadFile(path string) (*Calendar, error) { return tomlfile.LoadFile(format, path, Load) }

func fromLocal(d toml.LocalDate) lookups.Date {
	return lookups.NewDate(d.Year, time.Month(d.Month), d.Day)
}

func isWeekend(d lookups.Date) bool {
	wd := d.Time(time.UTC).Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// ValidFrom returns the first day the calendar covers.
func (c *Calendar) ValidFrom() lookups.Date { return c.from }

// ValidUntil returns the last day the calendar covers.
func (c *Calendar) ValidUntil() lookups.Date { return c.until }

// IsWorkingDay reports whether d is a working day: Monday to Friday unless the
// file marks it "off", and Saturdays or Sundays the file marks "work". Outside
// the covered range only the weekday rule applies (see Covers).
func (c *Calendar) IsWorkingDay(d lookups.Date) bool {
	if e, ok := c.days[d]; ok {
		return e.work
	}
	return !isWeekend(d)
}

// Covers reports whether d lies inside valid_from..valid_until.
func (c *Calendar) Covers(d lookups.Date) bool {
	return !d.Before(c.from) && !c.until.Before(d)
}

// Holiday returns the name of a day the file marks "off".
func (c *Calendar) Holiday(d lookups.Date) (name string, ok bool) {
	if e, found := c.days[d]; found && !e.work {
		return e.name, true
	}
	return "", false
}

// MakeUpDay returns the note of a weekend day the file marks "work".
func (c *Calendar) MakeUpDay(d lookups.Date) (name string, ok bool) {
	if e, found := c.days[d]; found && e.work {
		return e.name, true
	}
	return "", false
}

// ErrOutOfRange is wrapped by RangeError.
var ErrOutOfRange = errors.New("calendar: date outside the calendar's validity range")

// RangeError is returned when a computation needs a day the calendar does not
// cover. Its Error text is Vietnamese, for the clerk.
type RangeError struct {
	Date        lookups.Date // the first day not covered
	From, Until lookups.Date // the calendar's range
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("Lịch ngày nghỉ chỉ có từ %s đến %s, chưa có ngày %s: không tính được ngày hẹn. Hãy cập nhật file lịch ngày nghỉ.", e.From, e.Until, e.Date)
}

func (e *RangeError) Unwrap() error { return ErrOutOfRange }

func (c *Calendar) rangeErr(d lookups.Date) error {
	return &RangeError{Date: d, From: c.from, Until: c.until}
}

// NextWorkingDay returns the first working day strictly after d.
func (c *Calendar) NextWorkingDay(d lookups.Date) (lookups.Date, error) {
	t := d.Time(time.UTC)
	for {
		t = t.AddDate(0, 0, 1)
		n := lookups.DateOf(t)
		if !c.Covers(n) {
			return lookups.Date{}, c.rangeErr(n)
		}
		if c.IsWorkingDay(n) {
			return n, nil
		}
	}
}

// nextDayAnyRange is NextWorkingDay without the range check (weekday rule outside it).
func (c *Calendar) nextDayAnyRange(d lookups.Date) (lookups.Date, error) {
	t := d.Time(time.UTC)
	for {
		t = t.AddDate(0, 0, 1)
		if n := lookups.DateOf(t); c.IsWorkingDay(n) {
			return n, nil
		}
	}
}

// AddWorkingDays returns the day n working days after d (d itself not counted).
func (c *Calendar) AddWorkingDays(d lookups.Date, n int) (lookups.Date, error) {
	if n < 0 {
		return lookups.Date{}, fmt.Errorf("calendar: negative day count %d", n)
	}
	if !c.Covers(d) {
		return lookups.Date{}, c.rangeErr(d)
	}
	var err error
	for range n {
		if d, err = c.NextWorkingDay(d); err != nil {
			return lookups.Date{}, err
		}
	}
	return d, nil
}

// Rule is how a procedure's result date is set.
type Rule struct {
	Days     int           // working days to process the dossier
	Cutoff   time.Duration /* since midnight, default 15h */
	ReturnAt time.Duration /* default 8h */
}

// Default rule values.
const (
	DefaultCutoff   = 15 * time.Hour
	DefaultReturnAt = 8 * time.Hour
)

// Appointment computes when the result is due: after Days working days counted from the day after reception; a dossier
// received after Cutoff or on a non-working day counts as received on the next working day. Returns the due
// date at ReturnAt in received's location, and an error if the computation leaves the calendar's range.
//
// A zero Cutoff or ReturnAt means the default (15:00, 08:00); a reception at
// exactly the cutoff counts as on time. Days = 0 means the result is due on
// the (effective) reception day, at ReturnAt or at the reception time if later.
func (c *Calendar) Appointment(received time.Time, r Rule) (time.Time, error) {
	return c.appointment(received, r, true)
}

// Estimate is Appointment for a reception the calendar does not cover (its
// file has not been updated yet): beyond the covered range only the weekday
// rule applies, so announced holidays may still move the result. Callers must
// tell the clerk that the date is an estimate.
func (c *Calendar) Estimate(received time.Time, r Rule) (time.Time, error) {
	return c.appointment(received, r, false)
}

func (c *Calendar) appointment(received time.Time, r Rule, strict bool) (time.Time, error) {
	if r.Days < 0 {
		return time.Time{}, fmt.Errorf("calendar: negative processing days %d", r.Days)
	}
	if r.Cutoff == 0 {
		r.Cutoff = DefaultCutoff
	}
	if r.ReturnAt == 0 {
		r.ReturnAt = DefaultReturnAt
	}
	loc := received.Location()
	day := lookups.DateOf(received)
	if strict && !c.Covers(day) {
		return time.Time{}, c.rangeErr(day)
	}
	next := c.NextWorkingDay
	if !strict {
		next = c.nextDayAnyRange
	}
	late := received.Sub(day.Time(loc)) > r.Cutoff
	if late || !c.IsWorkingDay(day) {
		n, err := next(day)
		if err != nil {
			return time.Time{}, err
		}
		day = n
	}
	due := day
	for range r.Days {
		var err error
		if due, err = next(due); err != nil {
			return time.Time{}, err
		}
	}
	at := due.Time(loc).Add(r.ReturnAt)
	if at.Before(received) {
		at = received
	}
	return at, nil
}
