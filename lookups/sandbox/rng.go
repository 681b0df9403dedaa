package sandbox

import (
	"time"

	"motcua/lookups"
)

// rng is a splitmix64 stream: cheap, seedable, and the same on every platform.
type rng struct{ s uint64 }

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// newRNG derives a stream from the given parts (seed, household, salt...).
func newRNG(parts ...uint64) rng {
	s := uint64(0x9E3779B97F4A7C15)
	for _, p := range parts {
		s = mix(s ^ p + 0x9E3779B97F4A7C15)
	}
	return rng{s}
}

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	return mix(r.s)
}

// intn returns a value in [0, n); n must be > 0.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a value in [lo, hi]; hi < lo gives lo.
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// percent reports true with probability p/100.
func (r *rng) percent(p int) bool { return r.intn(100) < p }

// dateIn returns a date of year y (day 1-28, so every month works).
func (r *rng) dateIn(y int) lookups.Date {
	return lookups.NewDate(y, time.Month(1+r.intn(12)), 1+r.intn(28))
}

// dateBetween returns a date in [a, b] (a when b is before a).
func (r *rng) dateBetween(a, b lookups.Date) lookups.Date {
	ta, tb := a.Time(time.UTC), b.Time(time.UTC)
	days := int(tb.Sub(ta).Hours() / 24)
	if days <= 0 {
		return a
	}
	return lookups.DateOf(ta.AddDate(0, 0, r.between(0, days)))
}

func addYears(d lookups.Date, n int) lookups.Date {
	return lookups.DateOf(d.Time(time.UTC).AddDate(n, 0, 0))
}

func addDays(d lookups.Date, n int) lookups.Date {
	return lookups.DateOf(d.Time(time.UTC).AddDate(0, 0, n))
}

func later(a, b lookups.Date) lookups.Date {
	if a.Before(b) {
		return b
	}
	return a
}

// ageAt returns the age in whole years of someone born on birth, at date at.
func ageAt(birth, at lookups.Date) int {
	a := at.Year - birth.Year
	if at.Month < birth.Month || at.Month == birth.Month && at.Day < birth.Day {
		a--
	}
	return a
}
