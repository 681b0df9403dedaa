package printing

import (
	"fmt"
	"time"
)

// FormatVNTime writes t the way administrative forms do:
// "10 giờ 05 phút, ngày 23 tháng 11 năm 2026". The time is printed in t's own location.
func FormatVNTime(t time.Time) string {
	return fmt.Sprintf("%02d giờ %02d phút, %s", t.Hour(), t.Minute(), FormatVNDate(t))
}

// FormatVNDate writes the date of t as "ngày 23 tháng 11 năm 2026". As NĐ 30/2020/NĐ-CP asks
// of administrative documents, days below 10 and the months 1 and 2 get a leading zero
// ("ngày 05 tháng 02 năm 2026", but "ngày 05 tháng 3 năm 2026").
func FormatVNDate(t time.Time) string {
	month := fmt.Sprintf("%d", int(t.Month()))
	if t.Month() < time.March {
		month = fmt.Sprintf("%02d", int(t.Month()))
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %04d", t.Day(), month, t.Year())
}

// FormatShortTime writes t as "10:04 ngày 23/11/2026".
func FormatShortTime(t time.Time) string {
	return fmt.Sprintf("%02d:%02d ngày %02d/%02d/%04d", t.Hour(), t.Minute(), t.Day(), int(t.Month()), t.Year())
}
