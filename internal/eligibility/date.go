package eligibility

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Brussels must resolve on machines without a zone database.
)

// Date is a civil calendar day in Europe/Brussels, without a time of day.
// The zero value means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// brussels returns the Europe/Brussels location, loaded once. The zone data is
// embedded (time/tzdata), so loading cannot fail on a correct build; if it
// does, the binary is broken and the function panics rather than guess.
var brussels = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		panic(fmt.Sprintf("eligibility: load Europe/Brussels from embedded tzdata: %v", err))
	}
	return loc
})

// NewDate returns the date y-m-d. Out-of-range months and days are
// normalised the way time.Date does (2025-02-30 becomes 2025-03-02).
func NewDate(y int, m time.Month, d int) Date {
	total := y*12 + int(m) - 1
	ny := floorDiv(total, 12)
	nm := total - ny*12 + 1
	if d >= 1 && d <= daysIn(ny, nm) {
		return Date{Year: ny, Month: time.Month(nm), Day: d}
	}
	return fromDays(daysFromCivil(ny, nm, 1) + d - 1)
}

// MustParseDate is ParseDate for tests and tables: it panics on an invalid date.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// ParseDate parses a strict "YYYY-MM-DD" date: exactly ten characters,
// a real calendar day, year 1900 to 9999. The error says what is wrong.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, fmt.Errorf("invalid date: empty, want YYYY-MM-DD")
	}
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("invalid date %q: want the form YYYY-MM-DD", s)
	}
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return Date{}, fmt.Errorf("invalid date %q: want the form YYYY-MM-DD (digits only)", s)
		}
	}
	y := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	m := int(s[5]-'0')*10 + int(s[6]-'0')
	d := int(s[8]-'0')*10 + int(s[9]-'0')
	if y < 1900 {
		return Date{}, fmt.Errorf("invalid date %q: year %d is before 1900", s, y)
	}
	if m < 1 || m > 12 {
		return Date{}, fmt.Errorf("invalid date %q: month %d is not between 01 and 12", s, m)
	}
	if n := daysIn(y, m); d < 1 || d > n {
		return Date{}, fmt.Errorf("invalid date %q: day %d does not exist in %s %d (it has %d days)", s, d, time.Month(m), y, n)
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

// Today returns the civil date of now in Europe/Brussels. Callers pass the
// time from their injected clock; this package never reads the clock.
func Today(now time.Time) Date {
	return DateOf(now)
}

// DateOf returns the civil date of t in Europe/Brussels.
func DateOf(t time.Time) Date {
	y, m, d := t.In(brussels()).Date()
	return Date{Year: y, Month: m, Day: d}
}

// String returns the date as "YYYY-MM-DD", or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	var buf [16]byte
	return string(appendDate(buf[:0], d))
}

// IsZero reports whether d is the zero value ("no date").
func (d Date) IsZero() bool {
	return d == Date{}
}

// AddDays returns d plus n calendar days. The zero date stays zero.
func (d Date) AddDays(n int) Date {
	if d.IsZero() {
		return d
	}
	return fromDays(d.days() + n)
}

// AddMonths returns d plus n months, clamped to the end of the target month
// (2024-01-31 + 3 months = 2024-04-30). The zero date stays zero.
func (d Date) AddMonths(n int) Date {
	if d.IsZero() {
		return d
	}
	total := d.Year*12 + int(d.Month) - 1 + n
	y := floorDiv(total, 12)
	m := total - y*12 + 1
	day := d.Day
	if last := daysIn(y, m); day > last {
		day = last
	}
	return Date{Year: y, Month: time.Month(m), Day: day}
}

// AddYears returns d plus n years, clamped to the end of the month
// (2024-02-29 + 2 years = 2026-02-28). The zero date stays zero.
func (d Date) AddYears(n int) Date {
	return d.AddMonths(12 * n)
}

// DaysUntil returns the number of calendar days from d to later: 0 on the
// same day, negative when later is before d.
func (d Date) DaysUntil(later Date) int {
	return later.days() - d.days()
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Compare returns -1 if d is before o, +1 if d is after o, and 0 if they are
// the same day.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	default:
		return cmpInt(d.Day, o.Day)
	}
}

// MarshalJSON encodes d as "YYYY-MM-DD", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 12)
	b = append(b, '"')
	b = appendDate(b, d)
	return append(b, '"'), nil
}

// UnmarshalJSON decodes "YYYY-MM-DD" (strictly, as ParseDate) or null, which
// gives the zero date.
func (d *Date) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		*d = Date{}
		return nil
	}
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return fmt.Errorf("invalid date %s: want a string \"YYYY-MM-DD\" or null", data)
	}
	s, err := unquoteJSON(data)
	if err != nil {
		return err
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// unquoteJSON returns the text of the JSON string data (quotes included).
func unquoteJSON(data []byte) (string, error) {
	if bytes.IndexByte(data, '\\') < 0 {
		return string(data[1 : len(data)-1]), nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return "", fmt.Errorf("invalid date %s: %w", data, err)
	}
	return s, nil
}

// MarshalText encodes d as "YYYY-MM-DD", or an empty text for the zero date.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return appendDate(make([]byte, 0, 10), d), nil
}

// UnmarshalText decodes "YYYY-MM-DD" (strictly, as ParseDate); an empty text
// gives the zero date.
func (d *Date) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Birthday18 returns the 18th birthday for the date of birth dob: dob plus 18
// years, with 29 February becoming 28 February. On that day the person is an
// adult. The zero date gives the zero date.
func Birthday18(dob Date) Date {
	return dob.AddYears(18)
}

// MonthsBetween returns the number of whole months from a to b: the largest n
// with a+n months on or before b (2024-09-01 to 2025-06-01 is 9). It is
// negative when b is before a.
func MonthsBetween(a, b Date) int {
	n := (b.Year-a.Year)*12 + int(b.Month) - int(a.Month)
	switch {
	case n > 0 && a.AddMonths(n).After(b):
		n--
	case n < 0 && a.AddMonths(n).Before(b):
		n++
	}
	return n
}

// appendDate appends d as YYYY-MM-DD to b without going through fmt.
func appendDate(b []byte, d Date) []byte {
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 99 {
		return fmt.Appendf(b, "%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	y, m := d.Year, int(d.Month)
	return append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+d.Day/10), byte('0'+d.Day%10))
}

// appendInt appends the decimal form of n to b.
func appendInt(b []byte, n int) []byte {
	return strconv.AppendInt(b, int64(n), 10)
}

// days returns the number of days from 1970-01-01 to d.
func (d Date) days() int {
	return daysFromCivil(d.Year, int(d.Month), d.Day)
}

// daysFromCivil converts a proleptic Gregorian date (month 1..12) to a day
// count relative to 1970-01-01 (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// fromDays is the inverse of daysFromCivil.
func fromDays(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{Year: y, Month: time.Month(m), Day: d}
}

// daysIn returns the number of days of month m (1..12) in year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	default:
		return 0
	}
}
