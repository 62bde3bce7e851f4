package web

import (
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
)

// TestFieldCodesTranslated checks that every apperr field code has its
// message in every catalogue, and that a field error is shown by its code
// (the message in the user's language) or, without one, as written.
func TestFieldCodesTranslated(t *testing.T) {
	tr, err := loadTranslations()
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{apperr.CodeRequired, apperr.CodeDate, apperr.CodeFuture, apperr.CodeBeforeLatest,
		apperr.CodeChooseOne, apperr.CodeUnknownValue, apperr.CodeTaken, apperr.CodePasswordShort, apperr.CodeAmount}
	for _, l := range languages {
		for _, c := range codes {
			if s, ok := tr.cats[l]["err."+c]; !ok || s == "" {
				t.Errorf("%s: no message for code %q (key err.%s)", l, c, c)
			}
		}
	}
	p := &page{Lang: "fr", tr: tr}
	tests := []struct {
		fe   apperr.FieldError
		want string
	}{
		{apperr.FieldError{Field: "identified_on", Message: "required: the date", Code: apperr.CodeRequired}, tr.cats["fr"]["err.required"]},
		// The code decides, not the English words.
		{apperr.FieldError{Field: "x", Message: "anything at all", Code: apperr.CodeTaken}, tr.cats["fr"]["err.taken"]},
		{apperr.FieldError{Field: "x", Message: "required but uncoded"}, "required but uncoded"},
	}
	for _, tt := range tests {
		if got := p.fieldMessage(tt.fe); got != tt.want {
			t.Errorf("fieldMessage(%+v) = %q, want %q", tt.fe, got, tt.want)
		}
	}
}
