package loadgen

import "testing"

func TestAnswerVersion(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{`{"id":"7f0c","reference":"PAY-2024-0007","shelter":"payoke","version":7,"state":"reflection"}`, 7, true},
		{`{"victim":{"version":3},"flags":[{"version":2}],"version":12}`, 12, true}, // nested "version" keys are not it
		{`{"id":"x"}`, 0, false},
		{`{"version":"7"}`, 0, false},
		{`{"version":7.5}`, 0, false},
		{`[1,2]`, 0, false},
		{`{"id":`, 0, false},
		{``, 0, false},
	}
	for _, tc := range tests {
		got, ok := answerVersion([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("answerVersion(%s) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{0.3}, 0.3},
		{[]float64{0.5, 0.1, 0.3}, 0.3},
		{[]float64{0.4, 0.1, 0.3, 0.2}, 0.25},
	}
	for _, tc := range tests {
		in := append([]float64(nil), tc.in...)
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Errorf("Median reordered its input: %v, was %v", tc.in, in)
			}
		}
	}
}
