package calendar

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/lookups"
)

var hcm = time.FixedZone("ICT", 7*3600)

func d(y int, m time.Month, day int) lookups.Date { return lookups.NewDate(y, m, day) }

func at(y int, m time.Month, day, hh, mm int) time.Time {
	return time.Date(y, m, day, hh, mm, 0, 0, hcm)
}

const small = `# test calendar
valid_from = 2026-11-01
valid_until = 2026-12-31

[[day]]
date = 2026-11-24
kind = "off"
name = "Ngày Văn hóa Việt Nam"

[[day]]
date = 2026-12-05   # a Saturday
kind = "work"
name = "Làm bù"

[[day]]
date = 2026-12-07
kind = "off"
name = "Nghỉ hoán đổi"
`

func mustLoad(t *testing.T, s string) *Calendar {
	t.Helper()
	c, err := Load(strings.NewReader(s))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestDefaultLoads(t *testing.T) {
	c := Default()
	if c.ValidFrom() != d(2025, 1, 1) || c.ValidUntil() != d(2027, 1, 31) {
		t.Errorf("range = %s..%s", c.ValidFrom(), c.ValidUntil())
	}
	if Default() != c {
		t.Error("Default not shared")
	}
	if string(DefaultFile()) != string(defaultFile) {
		t.Error("DefaultFile differs")
	}
}

func TestDefaultDays(t *testing.T) {
	c := Default()
	tests := []struct {
		day     lookups.Date
		working bool
		holiday string // substring of the holiday name, "" = none
	}{
		{d(2025, 1, 1), false, "Tết Dương lịch"},
		{d(2025, 1, 27), false, "Tết Nguyên đán"},
		{d(2025, 1, 31), false, "Tết Nguyên đán"},
		{d(2025, 2, 3), true, ""},
		{d(2025, 4, 7), false, "Hùng Vương"},
		{d(2025, 4, 26), true, ""}, // make-up Saturday
		{d(2025, 5, 2), false, "hoán đổi"},
		{d(2025, 9, 1), false, "Quốc khánh"},
		{d(2025, 9, 2), false, "Quốc khánh"},
		{d(2026, 1, 2), false, "hoán đổi"},
		{d(2026, 1, 10), true, ""}, // make-up Saturday
		{d(2026, 2, 13), true, ""},
		{d(2026, 2, 16), false, "Tết Nguyên đán"},
		{d(2026, 2, 20), false, "Tết Nguyên đán"},
		{d(2026, 2, 23), true, ""},
		{d(2026, 4, 27), false, "Hùng Vương"},
		{d(2026, 4, 30), false, "30/4"},
		{d(2026, 5, 1), false, "1/5"},
		{d(2026, 8, 22), true, ""},
		{d(2026, 8, 31), false, "Quốc khánh"},
		{d(2026, 9, 2), false, "Quốc khánh"},
		{d(2026, 9, 3), true, ""},
		{d(2026, 11, 24), false, "Văn hóa"},
		{d(2026, 11, 28), false, ""}, // plain Saturday
		{d(2026, 11, 29), false, ""}, // plain Sunday
		{d(2027, 1, 1), false, "Tết Dương lịch"},
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(tt.day); got != tt.working {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.working)
		}
		name, ok := c.Holiday(tt.day)
		if ok != (tt.holiday != "") || !strings.Contains(name, tt.holiday) {
			t.Errorf("Holiday(%s) = %q, %v; want %q", tt.day, name, ok, tt.holiday)
		}
	}
	if _, ok := c.MakeUpDay(d(2026, 1, 10)); !ok {
		t.Error("MakeUpDay(10/01/2026) not found")
	}
}

func TestCovers(t *testing.T) {
	c := mustLoad(t, small)
	for _, tt := range []struct {
		day  lookups.Date
		want bool
	}{
		{d(2026, 10, 31), false}, {d(2026, 11, 1), true}, {d(2026, 12, 31), true}, {d(2027, 1, 1), false},
	} {
		if got := c.Covers(tt.day); got != tt.want {
			t.Errorf("Covers(%s) = %v", tt.day, got)
		}
	}
}

func TestAppointment(t *testing.T) {
	c := mustLoad(t, small)
	tests := []struct {
		name     string
		received time.Time
		rule     Rule
		want     time.Time
	}{
		// 24/11/2026 is off: Wed 25 (1), Thu 26 (2), Fri 27 (3).
		{"culture day off", at(2026, 11, 23, 10, 0), Rule{Days: 3}, at(2026, 11, 27, 8, 0)},
		// Thu 19/11 + 3: Fri 20, Mon 23, Wed 25 (Tue 24 off).
		{"weekend and holiday", at(2026, 11, 19, 9, 30), Rule{Days: 3}, at(2026, 11, 25, 8, 0)},
		{"weekend only", at(2026, 11, 12, 9, 0), Rule{Days: 2}, at(2026, 11, 16, 8, 0)},
		// After 15:00 on Fri 27/11 counts as Mon 30/11; +1 = Tue 1/12.
		{"after cutoff", at(2026, 11, 27, 15, 1), Rule{Days: 1}, at(2026, 12, 1, 8, 0)},
		{"exactly at cutoff", at(2026, 11, 27, 15, 0), Rule{Days: 1}, at(2026, 11, 30, 8, 0)},
		{"custom cutoff", at(2026, 11, 27, 11, 0), Rule{Days: 1, Cutoff: 10 * time.Hour, ReturnAt: 14*time.Hour + 30*time.Minute}, at(2026, 12, 1, 14, 30)},
		// Sunday 29/11 counts as Mon 30/11; +3 = Thu 3/12.
		{"received on Sunday", at(2026, 11, 29, 9, 0), Rule{Days: 3}, at(2026, 12, 3, 8, 0)},
		// Thu 3/12 + 3: Fri 4, Sat 5 (make-up), Tue 8 (Mon 7 off).
		{"make-up Saturday and bridge day", at(2026, 12, 3, 9, 0), Rule{Days: 3}, at(2026, 12, 8, 8, 0)},
		// Received on the make-up Saturday itself: a working day.
		{"received on make-up Saturday", at(2026, 12, 5, 9, 0), Rule{Days: 1}, at(2026, 12, 8, 8, 0)},
		{"zero days same day", at(2026, 12, 1, 7, 0), Rule{Days: 0}, at(2026, 12, 1, 8, 0)},
		{"zero days later than return time", at(2026, 12, 1, 10, 0), Rule{Days: 0}, at(2026, 12, 1, 10, 0)},
		{"zero days on holiday", at(2026, 11, 24, 10, 0), Rule{Days: 0}, at(2026, 11, 25, 8, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Appointment(tt.received, tt.rule)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) || got.Location() != hcm {
				t.Errorf("Appointment = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAppointmentDefaultCalendar(t *testing.T) {
	c := Default()
	tests := []struct {
		received time.Time
		days     int
		want     time.Time
	}{
		// The domain README example: 24/11/2026 is off.
		{at(2026, 11, 23, 10, 0), 3, at(2026, 11, 27, 8, 0)},
		// Thu 12/2/2026 + 3: Fri 13, then Tết 16-20/2, Mon 23, Tue 24.
		{at(2026, 2, 12, 9, 0), 3, at(2026, 2, 24, 8, 0)},
		// Fri 21/8/2026 + 7: Sat 22 (make-up), Tue 1/9? no: 31/8, 1/9, 2/9 off.
		// Sat 22 (1), Mon 24 (2), Tue 25 (3), Wed 26 (4), Thu 27 (5), Fri 28 (6), Thu 3/9 (7).
		{at(2026, 8, 21, 9, 0), 7, at(2026, 9, 3, 8, 0)},
		// Tue 29/4/2025 + 1 = Mon 5/5 (30/4, 1/5, 2/5 off).
		{at(2025, 4, 29, 9, 0), 1, at(2025, 5, 5, 8, 0)},
	}
	for _, tt := range tests {
		got, err := c.Appointment(tt.received, Rule{Days: tt.days})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(tt.want) {
			t.Errorf("Appointment(%v, %d) = %v, want %v", tt.received, tt.days, got, tt.want)
		}
	}
}

func TestAppointmentRangeError(t *testing.T) {
	c := mustLoad(t, small)
	tests := []struct {
		name     string
		received time.Time
		days     int
		first    lookups.Date
	}{
		{"runs past valid_until", at(2026, 12, 29, 9, 0), 3, d(2027, 1, 1)},
		{"received after valid_until", at(2027, 1, 4, 9, 0), 1, d(2027, 1, 4)},
		{"received before valid_from", at(2026, 10, 30, 9, 0), 1, d(2026, 10, 30)},
		{"late on last day", at(2026, 12, 31, 16, 0), 0, d(2027, 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Appointment(tt.received, Rule{Days: tt.days})
			var re *RangeError
			if !errors.As(err, &re) || !errors.Is(err, ErrOutOfRange) {
				t.Fatalf("err = %v, want RangeError", err)
			}
			if re.Date != tt.first {
				t.Errorf("RangeError.Date = %s, want %s", re.Date, tt.first)
			}
			if !strings.Contains(err.Error(), "cập nhật file lịch") {
				t.Errorf("message %q", err.Error())
			}
		})
	}
	if _, err := c.Appointment(at(2026, 12, 1, 9, 0), Rule{Days: -1}); err == nil {
		t.Error("negative days accepted")
	}
}

func TestLoadErrors(t *testing.T) {
	head := "valid_from = 2026-01-01\nvalid_until = 2026-12-31\n"
	tests := []struct {
		name     string
		file     string
		line     int
		contains string
	}{
		{"syntax", head + "[[day]]\ndate = 2026-02-16\nkind = \"off\nname = \"x\"\n", 5, "cú pháp"},
		{"bad date literal", head + "\n[[day]]\ndate = 2026-02-30\nkind = \"off\"\nname = \"x\"\n", 5, ""},
		{"unknown key", head + "[[day]]\ndate = 2026-02-16\nkinds = \"off\"\nname = \"x\"\n", 5, "kinds"},
		{"bad kind", head + "[[day]]\ndate = 2026-02-16\nkind = \"nghỉ\"\nname = \"x\"\n\n[[day]]\ndate = 2026-02-17\nkind = \"holiday\"\nname = \"x\"\n", 3, "kind"},
		{"second day bad kind", head + "[[day]]\ndate = 2026-02-16\nkind = \"off\"\nname = \"x\"\n\n# c\n[[day]]\ndate = 2026-02-17\nkind = \"holiday\"\nname = \"x\"\n", 9, "kind"},
		{"outside range", head + "[[day]]\ndate = 2027-02-16\nkind = \"off\"\nname = \"x\"\n", 3, "ngoài khoảng"},
		{"duplicate", head + "[[day]]\ndate = 2026-02-16\nkind = \"off\"\nname = \"x\"\n[[day]]\ndate = 2026-02-16\nkind = \"off\"\nname = \"y\"\n", 7, "hai lần"},
		{"off on Sunday", head + "[[day]]\ndate = 2026-02-15\nkind = \"off\"\nname = \"x\"\n", 3, "thứ Bảy/Chủ nhật"},
		{"work on Monday", head + "[[day]]\ndate = 2026-02-16\nkind = \"work\"\nname = \"x\"\n", 3, "ngày thường"},
		{"missing name", head + "[[day]]\ndate = 2026-02-16\nkind = \"off\"\n", 3, "name"},
		{"missing date", head + "[[day]]\nkind = \"off\"\nname = \"x\"\n", 3, "date"},
		{"reversed range", "valid_from = 2026-01-01\nvalid_until = 2025-12-31\n", 2, "valid_until"},
		{"missing valid_from", "valid_until = 2025-12-31\n", 0, "valid_from"},
		{"missing valid_until", "valid_from = 2025-12-31\n", 0, "valid_until"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.file))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *FileError", err)
			}
			if fe.Line != tt.line {
				t.Errorf("Line = %d, want %d (%v)", fe.Line, tt.line, err)
			}
			if tt.line > 0 && !strings.Contains(err.Error(), "dòng ") {
				t.Errorf("message does not name the line: %q", err.Error())
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("message %q does not mention %q", err.Error(), tt.contains)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "lich.toml")
	if err := os.WriteFile(p, []byte(small), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if name, ok := c.Holiday(d(2026, 11, 24)); !ok || name != "Ngày Văn hóa Việt Nam" {
		t.Errorf("Holiday = %q, %v", name, ok)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.toml")); err == nil {
		t.Error("missing file accepted")
	}
}

func BenchmarkAppointment(b *testing.B) {
	c := Default()
	recv := at(2026, 2, 12, 9, 0)
	for b.Loop() {
		if _, err := c.Appointment(recv, Rule{Days: 7}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEstimateBeyondRange(t *testing.T) {
	c := Default()
	until := c.ValidUntil()
	// a reception two weeks after the calendar ends, on a Monday at 10:00
	start := until.Time(time.UTC).AddDate(0, 0, 14)
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, 1)
	}
	received := start.Add(10 * time.Hour)
	if _, err := c.Appointment(received, Rule{Days: 3}); !errors.Is(err, ErrOutOfRange) {
		t.Fatalf("Appointment beyond the range: err = %v, want ErrOutOfRange", err)
	}
	got, err := c.Estimate(received, Rule{Days: 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := start.AddDate(0, 0, 3).Add(8 * time.Hour); !got.Equal(want) {
		t.Fatalf("Estimate = %v, want %v (weekdays only)", got, want)
	}
	// Friday + 1 working day skips the weekend
	fri := start.AddDate(0, 0, 4).Add(9 * time.Hour)
	got, _ = c.Estimate(fri, Rule{Days: 1})
	if got.Weekday() != time.Monday {
		t.Fatalf("Estimate from Friday = %v, want a Monday", got)
	}
	// inside the range Estimate agrees with Appointment
	in := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	a, _ := c.Appointment(in, Rule{Days: 3})
	e, _ := c.Estimate(in, Rule{Days: 3})
	if !a.Equal(e) {
		t.Fatalf("inside the range: Appointment %v, Estimate %v", a, e)
	}
}
