package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// anonWeightedIndex picks an index with the given relative weights.
func anonWeightedIndex(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// anonWeighted picks one of items with the given relative weights.
func anonWeighted(r *rand.Rand, items []string, weights []int) string {
	return items[anonWeightedIndex(r, weights)]
}

// anonPopulation returns n people drawn from a seeded source with skewed
// distributions: a few profiles are common (large equivalence classes),
// the long tail gives many small classes.
func anonPopulation(seed uint64, n int) []Person {
	r := rand.New(rand.NewPCG(seed, 11))
	exploitations := [][]string{
		{"sexual"}, {"labour"}, {"labour", "forced_begging"}, {"domestic_servitude"},
		{"forced_criminality"}, {"sexual", "labour"}, {"unspecified"}, {"other"},
	}
	people := make([]Person, n)
	for i := range people {
		band := anonWeighted(r,
			[]string{"18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+", "9-17", "0-8", "unknown"},
			[]int{70, 8, 5, 4, 3, 2, 1, 4, 1, 2})
		majority := "adult"
		switch band {
		case "0-8", "9-17":
			majority = "minor"
		case "unknown":
			majority = "unknown"
		}
		e := exploitations[anonWeightedIndex(r, []int{75, 8, 3, 3, 3, 2, 4, 2})]
		people[i] = Person{
			Year:         []int{2023, 2024}[anonWeightedIndex(r, []int{2, 8})],
			Gender:       anonWeighted(r, []string{"female", "male", "other", "unknown"}, []int{85, 10, 2, 3}),
			AgeBand:      band,
			Majority:     majority,
			Citizenship:  anonWeighted(r, []string{"NG", "RO", "MA", "BR", "XX", "VN", "ER", "AL", "CN", "IN"}, []int{80, 5, 3, 2, 2, 2, 2, 2, 1, 1}),
			Exploitation: e,
			State:        anonWeighted(r, []string{"temporary_permit", "reflection", "provisional_permit", "closed"}, []int{85, 5, 5, 5}),
			Proceedings:  anonWeighted(r, []string{"charged", "complaint_filed", "convicted", "none"}, []int{85, 5, 5, 5}),
		}
	}
	return people
}

// anonRowKey joins a row into a map key (test data has no unit separator).
func anonRowKey(r []string) string { return strings.Join(r, "\x1f") }

// anonReadCSV parses CSV bytes into the header and the data rows.
func anonReadCSV(t *testing.T, data []byte) (header []string, rows [][]string) {
	t.Helper()
	all, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("parse csv: got error %v, want nil", err)
	}
	if len(all) == 0 {
		t.Fatalf("parse csv: got no records, want a header")
	}
	return all[0], all[1:]
}

// anonMustRows returns the data rows of CSV bytes.
func anonMustRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	_, rows := anonReadCSV(t, data)
	return rows
}

// anonClassSizes groups rows by their full content.
func anonClassSizes(rows [][]string) map[string]int {
	sizes := make(map[string]int)
	for _, r := range rows {
		sizes[anonRowKey(r)]++
	}
	return sizes
}

// anonWriteCSV runs Anonymize and WriteAnonymizedCSV and returns the bytes.
func anonWriteCSV(t *testing.T, people []Person, k int) (data []byte, kept, suppressed int) {
	t.Helper()
	rows, suppressed := Anonymize(people, k)
	meta := AnonymizedMeta{K: k, Rows: len(rows), Suppressed: suppressed, RulesVersion: "be-nrm-2025.1", Columns: CTDCColumns}
	var buf bytes.Buffer
	if err := WriteAnonymizedCSV(&buf, meta, rows); err != nil {
		t.Fatalf("WriteAnonymizedCSV: got error %v, want nil", err)
	}
	return buf.Bytes(), len(rows), suppressed
}

func TestCTDCRow(t *testing.T) {
	tests := []struct {
		name string
		p    Person
		want []string
	}{
		{
			name: "adult woman sexual exploitation",
			p: Person{Year: 2024, Gender: "female", AgeBand: "18-20", Majority: "adult", Citizenship: "NG",
				Exploitation: []string{"sexual"}, State: "temporary_permit", Proceedings: "charged"},
			want: []string{"2024", "Case Management", "Female", "18--20", "Adult", "NG", "0", "1", "0", "0", "0", "0", "temporary_permit", "charged"},
		},
		{
			name: "man in labour and begging",
			p: Person{Year: 2023, Gender: "male", AgeBand: "30-38", Majority: "adult", Citizenship: "RO",
				Exploitation: []string{"labour", "forced_begging"}, State: "reflection", Proceedings: "none"},
			want: []string{"2023", "Case Management", "Male", "30--38", "Adult", "RO", "1", "0", "0", "1", "0", "0", "reflection", "none"},
		},
		{
			name: "non-conforming minor in domestic servitude",
			p: Person{Year: 2024, Gender: "other", AgeBand: "9-17", Majority: "minor", Citizenship: "vn",
				Exploitation: []string{"domestic_servitude"}, State: "provisional_permit", Proceedings: "complaint_filed"},
			want: []string{"2024", "Case Management", "Trans/Transgender/NonConforming", "9--17", "Minor", "VN", "1", "0", "0", "0", "1", "0", "provisional_permit", "complaint_filed"},
		},
		{
			name: "forced criminality and other",
			p: Person{Year: 2024, Gender: "female", AgeBand: "0-8", Majority: "minor", Citizenship: "BE",
				Exploitation: []string{"forced_criminality", "other"}, State: "identified", Proceedings: "none"},
			want: []string{"2024", "Case Management", "Female", "0--8", "Minor", "BE", "1", "0", "1", "0", "0", "1", "identified", "none"},
		},
		{
			name: "everything unknown, only unspecified exploitation",
			p: Person{Year: 2025, Gender: "unknown", AgeBand: "unknown", Majority: "unknown", Citizenship: "XX",
				Exploitation: []string{"unspecified"}, State: "identified", Proceedings: "none"},
			want: []string{"2025", "Case Management", "-99", "-99", "-99", "-99", "-99", "-99", "-99", "-99", "-99", "-99", "identified", "none"},
		},
		{
			name: "unspecified next to a known type is ignored",
			p: Person{Year: 2024, Gender: "female", AgeBand: "48+", Majority: "adult", Citizenship: "MA",
				Exploitation: []string{"sexual", "unspecified"}, State: "closed", Proceedings: "convicted"},
			want: []string{"2024", "Case Management", "Female", "48+", "Adult", "MA", "0", "1", "0", "0", "0", "0", "closed", "convicted"},
		},
		{
			name: "no exploitation, bad values and no year",
			p: Person{Year: 0, Gender: "F", AgeBand: "18–20", Majority: "major", Citizenship: "NGA",
				State: "identified", Proceedings: "none"},
			want: []string{"-99", "Case Management", "-99", "-99", "-99", "-99", "-99", "-99", "-99", "-99", "-99", "-99", "identified", "none"},
		},
		{
			name: "other age bands and a non-letter citizenship",
			p: Person{Year: 2024, Gender: "male", AgeBand: "21-23", Majority: "adult", Citizenship: "1ı",
				Exploitation: []string{"labour"}, State: "temporary_permit", Proceedings: "charged"},
			want: []string{"2024", "Case Management", "Male", "21--23", "Adult", "-99", "1", "0", "0", "0", "0", "0", "temporary_permit", "charged"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CTDCRow(tt.p)
			if !slices.Equal(got, tt.want) {
				t.Errorf("CTDCRow = %q, want %q", got, tt.want)
			}
			if len(got) != len(CTDCColumns) {
				t.Errorf("len(CTDCRow) = %d, want %d", len(got), len(CTDCColumns))
			}
		})
	}
}

func TestCTDCAgeBands(t *testing.T) {
	tests := []struct{ band, want string }{
		{"0-8", "0--8"}, {"9-17", "9--17"}, {"18-20", "18--20"}, {"21-23", "21--23"},
		{"24-26", "24--26"}, {"27-29", "27--29"}, {"30-38", "30--38"}, {"39-47", "39--47"},
		{"48+", "48+"}, {"unknown", "-99"}, {"", "-99"}, {"18-29", "-99"},
	}
	for _, tt := range tests {
		t.Run(tt.band, func(t *testing.T) {
			if got := CTDCRow(Person{AgeBand: tt.band})[3]; got != tt.want {
				t.Errorf("ageBroad of %q: got %q, want %q", tt.band, got, tt.want)
			}
		})
	}
}

func TestCTDCColumns(t *testing.T) {
	want := []string{
		"yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "citizenship",
		"isForcedLabour", "isSexualExploit", "isOtherExploit", "typeOfLabourBegging",
		"typeOfLabourDomesticWork", "typeOfLabourIllicitActivities", "nrmState", "nrmProceedings",
	}
	if !slices.Equal(CTDCColumns, want) {
		t.Errorf("CTDCColumns = %q, want %q", CTDCColumns, want)
	}
}

func TestAnonymizeKAnonymity(t *testing.T) {
	people := anonPopulation(2025, 500)
	tests := []struct {
		name string
		k    int
	}{
		{"default k", CTDCDefaultK},
		{"k=2", 2},
		{"k=5", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, kept, suppressed := anonWriteCSV(t, people, tt.k)
			t.Logf("k=%d: %d rows kept in %d classes, %d suppressed", tt.k, kept, len(anonClassSizes(anonMustRows(t, data))), suppressed)
			header, rows := anonReadCSV(t, data)
			if !slices.Equal(header, CTDCColumns) {
				t.Fatalf("header: got %q, want %q", header, CTDCColumns)
			}
			if len(rows) != kept {
				t.Errorf("csv rows: got %d, want %d (Anonymize's kept rows)", len(rows), kept)
			}
			if len(rows)+suppressed != len(people) {
				t.Errorf("rows+suppressed: got %d+%d=%d, want %d", len(rows), suppressed, len(rows)+suppressed, len(people))
			}
			if len(rows) == 0 {
				t.Errorf("got no rows, want most of the %d people kept", len(people))
			}
			for key, n := range anonClassSizes(rows) {
				if n < tt.k {
					t.Errorf("class %q: got %d rows, want at least %d", key, n, tt.k)
				}
			}
		})
	}
}

func TestAnonymizePlantedUnique(t *testing.T) {
	common := Person{Year: 2024, Gender: "female", AgeBand: "18-20", Majority: "adult", Citizenship: "NG",
		Exploitation: []string{"sexual"}, State: "temporary_permit", Proceedings: "charged"}
	unique := Person{Year: 2024, Gender: "male", AgeBand: "48+", Majority: "adult", Citizenship: "ER",
		Exploitation: []string{"domestic_servitude"}, State: "reflection", Proceedings: "none"}
	tests := []struct {
		name       string
		commons    int
		k          int
		wantRows   int
		wantSupp   int
		wantUnique bool
	}{
		{"unique among 30 at k=11", 30, 11, 30, 1, false},
		{"unique among 11 at k=11", 11, 11, 11, 1, false},
		// The eleven rows become one class once everything but the year
		// and the majority is suppressed: nothing is dropped, and the
		// unique row is not published as it was.
		{"common class below k too", 10, 11, 11, 0, false},
		{"unique at k=2", 5, 2, 5, 1, false},
		{"k=1 is treated as 2", 5, 1, 5, 1, false},
		{"k=0 is treated as 2", 5, 0, 5, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			people := make([]Person, 0, tt.commons+1)
			for range tt.commons / 2 {
				people = append(people, common)
			}
			people = append(people, unique)
			for range tt.commons - tt.commons/2 {
				people = append(people, common)
			}
			rows, supp := Anonymize(people, tt.k)
			if len(rows) != tt.wantRows || supp != tt.wantSupp {
				t.Errorf("Anonymize: got %d rows, %d suppressed, want %d rows, %d suppressed", len(rows), supp, tt.wantRows, tt.wantSupp)
			}
			uniqueRow := CTDCRow(unique)
			for i, r := range rows {
				if slices.Equal(r, uniqueRow) {
					t.Errorf("row %d: got the unique person's row %q, want it suppressed", i, r)
				}
			}
		})
	}
}

func TestAnonymizeDeterministic(t *testing.T) {
	people := anonPopulation(99, 300)
	want, wantSupp := Anonymize(people, 5)
	if !slices.IsSortedFunc(want, slices.Compare[[]string]) {
		t.Errorf("rows: got unsorted rows, want lexicographic order")
	}
	shuffled := slices.Clone(people)
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	got, gotSupp := Anonymize(shuffled, 5)
	if gotSupp != wantSupp {
		t.Errorf("suppressed after shuffle: got %d, want %d", gotSupp, wantSupp)
	}
	if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("rows after shuffle: got a different export, want the same rows in the same order")
	}
}

var (
	anonDatePattern  = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	anonDigitPattern = regexp.MustCompile(`\d{4,}`)
)

// anonAssertNoIdentifiers checks that data holds no full date and no run of 4
// or more digits other than a registration year.
func anonAssertNoIdentifiers(t *testing.T, what string, data []byte, years map[string]bool) {
	t.Helper()
	if m := anonDatePattern.Find(data); m != nil {
		t.Errorf("%s: got date %q in the output, want none", what, m)
	}
	for _, m := range anonDigitPattern.FindAll(data, -1) {
		if !years[string(m)] {
			t.Errorf("%s: got digit run %q in the output, want only registration years", what, m)
		}
	}
}

func TestAnonymizedNoIdentifiers(t *testing.T) {
	people := anonPopulation(31, 500)
	years := map[string]bool{"2023": true, "2024": true}
	rows, supp := Anonymize(people, CTDCDefaultK)
	meta := AnonymizedMeta{K: CTDCDefaultK, Rows: len(rows), Suppressed: supp, RulesVersion: "be-nrm-2025.1", Year: 0}

	var csvBuf bytes.Buffer
	if err := WriteAnonymizedCSV(&csvBuf, meta, rows); err != nil {
		t.Fatalf("WriteAnonymizedCSV: got error %v, want nil", err)
	}
	anonAssertNoIdentifiers(t, "csv", csvBuf.Bytes(), years)

	var ndBuf bytes.Buffer
	if err := WriteAnonymizedNDJSON(&ndBuf, meta, rows); err != nil {
		t.Fatalf("WriteAnonymizedNDJSON: got error %v, want nil", err)
	}
	// The meta line carries the rules version (which names a year); the
	// records must not.
	_, records, _ := bytes.Cut(ndBuf.Bytes(), []byte("\n"))
	anonAssertNoIdentifiers(t, "ndjson records", records, years)
}

func TestWriteAnonymizedNDJSON(t *testing.T) {
	a := CTDCRow(Person{Year: 2024, Gender: "female", AgeBand: "18-20", Majority: "adult", Citizenship: "NG",
		Exploitation: []string{"sexual"}, State: "temporary_permit", Proceedings: "charged"})
	b := CTDCRow(Person{Year: 2024, Gender: "unknown", AgeBand: "unknown", Majority: "unknown", Citizenship: "XX",
		Exploitation: []string{"unspecified"}, State: "identified", Proceedings: "none"})
	rows := [][]string{a, a, b, b}
	meta := AnonymizedMeta{K: 2, Rows: 4, Suppressed: 3, RulesVersion: "be-nrm-2025.1", Year: 2024, AuditSeq: 77, AsOf: "2024-12-31"}
	var buf bytes.Buffer
	if err := WriteAnonymizedNDJSON(&buf, meta, rows); err != nil {
		t.Fatalf("WriteAnonymizedNDJSON: got error %v, want nil", err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("lines: got %d, want 5 (meta + 4 rows)", len(lines))
	}

	wantMeta := `{"meta":{"k":2,"rows":4,"suppressed":3,"rules_version":"be-nrm-2025.1","year":2024,"columns":[` +
		`"yearOfRegistration","Datasource","gender","ageBroad","majorityStatus","citizenship","isForcedLabour",` +
		`"isSexualExploit","isOtherExploit","typeOfLabourBegging","typeOfLabourDomesticWork",` +
		`"typeOfLabourIllicitActivities","nrmState","nrmProceedings"],"audit_seq":77,"as_of":"2024-12-31","rows_dropped":0}}`
	if lines[0] != wantMeta {
		t.Errorf("meta line:\ngot  %s\nwant %s", lines[0], wantMeta)
	}

	wantFirst := `{"yearOfRegistration":"2024","Datasource":"Case Management","gender":"Female","ageBroad":"18--20",` +
		`"majorityStatus":"Adult","citizenship":"NG","isForcedLabour":"0","isSexualExploit":"1","isOtherExploit":"0",` +
		`"typeOfLabourBegging":"0","typeOfLabourDomesticWork":"0","typeOfLabourIllicitActivities":"0",` +
		`"nrmState":"temporary_permit","nrmProceedings":"charged"}`
	if lines[1] != wantFirst {
		t.Errorf("first record:\ngot  %s\nwant %s", lines[1], wantFirst)
	}

	for i, line := range lines[1:] {
		keys, values := anonJSONObjectInOrder(t, line)
		if !slices.Equal(keys, CTDCColumns) {
			t.Errorf("record %d keys: got %q, want %q", i, keys, CTDCColumns)
		}
		if !slices.Equal(values, rows[i]) {
			t.Errorf("record %d values: got %q, want %q", i, values, rows[i])
		}
	}
}

// anonJSONObjectInOrder decodes a flat JSON object of strings, keeping key order.
func anonJSONObjectInOrder(t *testing.T, line string) (keys, values []string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("record %s: got first token %v (%v), want {", line, tok, err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatalf("record %s: key: got error %v, want nil", line, err)
		}
		v, err := dec.Token()
		if err != nil {
			t.Fatalf("record %s: value: got error %v, want nil", line, err)
		}
		ks, kok := k.(string)
		vs, vok := v.(string)
		if !kok || !vok {
			t.Fatalf("record %s: got %T:%T, want string:string", line, k, v)
		}
		keys, values = append(keys, ks), append(values, vs)
	}
	return keys, values
}

func TestWriteAnonymizedRejects(t *testing.T) {
	a := CTDCRow(Person{Year: 2024, Gender: "female", AgeBand: "18-20", Majority: "adult", Citizenship: "NG",
		Exploitation: []string{"sexual"}, State: "temporary_permit", Proceedings: "charged"})
	b := CTDCRow(Person{Year: 2024, Gender: "male", AgeBand: "48+", Majority: "adult", Citizenship: "ER",
		Exploitation: []string{"labour"}, State: "reflection", Proceedings: "none"})
	tests := []struct {
		name    string
		meta    AnonymizedMeta
		rows    [][]string
		wantErr string
	}{
		{"k below 2", AnonymizedMeta{K: 1, Rows: 1}, [][]string{a}, "k = 1"},
		{"class smaller than k", AnonymizedMeta{K: 2, Rows: 3}, [][]string{a, a, b}, "equivalence class has 1 rows"},
		{"rows differ from meta", AnonymizedMeta{K: 2, Rows: 3}, [][]string{a, a}, "meta says 3 rows, got 2"},
		{"short row", AnonymizedMeta{K: 2, Rows: 2}, [][]string{a[:3], a[:3]}, "has 3 cells, want 14"},
		{"other columns", AnonymizedMeta{K: 2, Rows: 2, Columns: []string{"x"}}, [][]string{a, a}, "differ from CTDCColumns"},
	}
	writers := []struct {
		name  string
		write func(io.Writer, AnonymizedMeta, [][]string) error
	}{
		{"csv", WriteAnonymizedCSV},
		{"ndjson", WriteAnonymizedNDJSON},
	}
	for _, tt := range tests {
		for _, w := range writers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				var buf bytes.Buffer
				err := w.write(&buf, tt.meta, tt.rows)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error: got %v, want one containing %q", err, tt.wantErr)
				}
				if buf.Len() != 0 {
					t.Errorf("output: got %d bytes, want none on error", buf.Len())
				}
			})
		}
	}
}

func TestCSVNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"-99", "-99"},
		{"2024", "2024"},
		{"+32", "+32"},
		{"1234.50", "1234.50"},
		{"<5", "<5"},
		{"x", "x"},
		{"", ""},
		{"=1+1", "'=1+1"},
		{"+32 2 555 00 00", "'+32 2 555 00 00"},
		{"-Inf", "'-Inf"},
		{"-1e5", "'-1e5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"-", "'-"},
		{"-.5", "'-.5"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"18--20", "18--20"},
		{"Trans/Transgender/NonConforming", "Trans/Transgender/NonConforming"},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			if got := csvNeutralise(tt.in); got != tt.want {
				t.Errorf("csvNeutralise(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriteAnonymizedCSVNeutralises(t *testing.T) {
	p := Person{Year: 2024, Gender: "female", AgeBand: "18-20", Majority: "adult", Citizenship: "NG",
		Exploitation: []string{"sexual"}, State: "=HYPERLINK(\"http://x\")", Proceedings: "-charged"}
	rows, supp := Anonymize([]Person{p, p}, 2)
	var buf bytes.Buffer
	if err := WriteAnonymizedCSV(&buf, AnonymizedMeta{K: 2, Rows: len(rows), Suppressed: supp}, rows); err != nil {
		t.Fatalf("WriteAnonymizedCSV: got error %v, want nil", err)
	}
	_, got := anonReadCSV(t, buf.Bytes())
	want := []string{"2024", "Case Management", "Female", "18--20", "Adult", "NG", "0", "1", "0", "0", "0", "0",
		"'=HYPERLINK(\"http://x\")", "'-charged"}
	if len(got) != 2 {
		t.Fatalf("rows: got %d, want 2", len(got))
	}
	for i := range got {
		if !slices.Equal(got[i], want) {
			t.Errorf("row %d: got %q, want %q", i, got[i], want)
		}
	}
}

func TestWriteAnonymizedCSVExact(t *testing.T) {
	p := Person{Year: 2024, Gender: "unknown", AgeBand: "unknown", Majority: "unknown", Citizenship: "XX",
		Exploitation: []string{"unspecified"}, State: "identified", Proceedings: "none"}
	rows, supp := Anonymize([]Person{p, p}, 2)
	var buf bytes.Buffer
	if err := WriteAnonymizedCSV(&buf, AnonymizedMeta{K: 2, Rows: len(rows), Suppressed: supp}, rows); err != nil {
		t.Fatalf("WriteAnonymizedCSV: got error %v, want nil", err)
	}
	line := "2024,Case Management,-99,-99,-99,-99,-99,-99,-99,-99,-99,-99,identified,none\n"
	want := strings.Join(CTDCColumns, ",") + "\n" + line + line
	if got := buf.String(); got != want {
		t.Errorf("csv:\ngot  %q\nwant %q", got, want)
	}
}

// anonFailWriter fails every write.
type anonFailWriter struct{}

func (anonFailWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestWriteAnonymizedWriteError(t *testing.T) {
	p := Person{Year: 2024, Gender: "female", AgeBand: "18-20", Majority: "adult", Citizenship: "NG",
		Exploitation: []string{"sexual"}, State: "identified", Proceedings: "none"}
	rows, _ := Anonymize([]Person{p, p}, 2)
	meta := AnonymizedMeta{K: 2, Rows: len(rows)}
	tests := []struct {
		name  string
		write func(io.Writer, AnonymizedMeta, [][]string) error
	}{
		{"csv", WriteAnonymizedCSV},
		{"ndjson", WriteAnonymizedNDJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.write(anonFailWriter{}, meta, rows)
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("error: got %v, want one wrapping %q", err, "disk full")
			}
		})
	}
}

// TestAnonymizeProperty checks k-anonymity on many random populations and
// k: every class over QuasiIdentifiers in the output (-99 matched only by
// -99) has at least k rows; rows kept and dropped add up to the people;
// every kept row is one person's row with values suppressed (-99) or
// generalised (region, broader band), and the counts of the metadata are
// those values.
func TestAnonymizeProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 2024))
	qi := make([]int, len(QuasiIdentifiers))
	for i, c := range QuasiIdentifiers {
		qi[i] = slices.Index(CTDCColumns, c)
	}
	for trial := range 200 {
		people := anonPopulation(uint64(trial), r.IntN(150))
		// Thin the dominant profile now and then, for long tails.
		if trial%3 == 0 {
			for i := range people {
				people[i].Citizenship = []string{"NG", "RO", "MA", "BR", "XX", "VN", "ER", "AL", "CN", "IN"}[r.IntN(10)]
			}
		}
		k := 2 + r.IntN(19)
		a := AnonymizeDetailed(people, k)
		name := fmt.Sprintf("trial %d: %d people, k=%d", trial, len(people), k)
		if len(a.Rows)+a.Dropped != len(people) {
			t.Fatalf("%s: %d rows + %d dropped, want %d", name, len(a.Rows), a.Dropped, len(people))
		}
		classes := map[string]int{}
		for _, row := range a.Rows {
			var key []string
			for _, c := range qi {
				key = append(key, row[c])
			}
			classes[strings.Join(key, "\x1f")]++
		}
		for key, n := range classes {
			if n < k {
				t.Fatalf("%s: class %q has %d rows, want at least %d", name, key, n, k)
			}
		}
		// Each kept row comes from a different person: a perfect matching
		// of rows to compatible people (Kuhn's augmenting paths).
		pool := make([][]string, len(people))
		for i, p := range people {
			pool[i] = CTDCRow(p)
		}
		owner := make([]int, len(pool)) // person → row, -1 when free
		for i := range owner {
			owner[i] = -1
		}
		var try func(row int, seen []bool) bool
		try = func(row int, seen []bool) bool {
			for i, in := range pool {
				if seen[i] {
					continue
				}
				if _, _, ok := anonFrom(in, a.Rows[row]); !ok {
					continue
				}
				seen[i] = true
				if owner[i] < 0 || try(owner[i], seen) {
					owner[i] = row
					return true
				}
			}
			return false
		}
		for row := range a.Rows {
			if !try(row, make([]bool, len(pool))) {
				t.Fatalf("%s: row %q is no remaining person's row, suppressed or generalised", name, a.Rows[row])
			}
		}
		supp, gen := map[string]int{}, map[string]int{}
		for i, row := range owner {
			if row < 0 {
				continue
			}
			s, g, _ := anonFrom(pool[i], a.Rows[row])
			for _, c := range s {
				supp[CTDCColumns[c]]++
			}
			for _, c := range g {
				gen[CTDCColumns[c]]++
			}
		}
		if sumCounts(supp) != sumCounts(a.Suppressed) || sumCounts(gen) != sumCounts(a.Generalised) {
			t.Fatalf("%s: metadata says %v suppressed and %v generalised, rows show %v and %v", name, a.Suppressed, a.Generalised, supp, gen)
		}
	}
}

// anonFrom reports whether out may be in's row after suppression and
// generalisation, and which columns were suppressed and generalised.
func anonFrom(in, out []string) (supp, gen []int, ok bool) {
	for c := range in {
		switch {
		case out[c] == in[c]:
		case out[c] == ctdcUnknown && c != colDatasource:
			supp = append(supp, c)
		case c == colCitizenship && out[c] == generaliseCitizenship(in[c]):
			gen = append(gen, c)
		case c == colAge && out[c] == generaliseAge(in[c]):
			gen = append(gen, c)
		default:
			return nil, nil, false
		}
	}
	return supp, gen, true
}
