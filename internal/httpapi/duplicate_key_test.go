package httpapi

import "testing"

func TestDuplicateKey(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"a":1,"b":2}`, ""},
		{`{"a":1,"a":2}`, "a"},
		{`{"victim":{"given_name":"x","given_name":"y"}}`, "victim.given_name"},
		{`{"data":{"x":[{"k":1},{"k":2}]},"note":"n"}`, ""},
		{`{"data":{"x":[{"k":1,"k":2}]}}`, "data.x.k"},
		{`{"a":{"b":1},"b":{"b":2}}`, ""},
		{`{"a":[1,2,{"c":{}}],"a":3}`, "a"},
	}
	for _, tt := range tests {
		if got := duplicateKey([]byte(tt.body)); got != tt.want {
			t.Errorf("duplicateKey(%s): got %q, want %q", tt.body, got, tt.want)
		}
	}
}
