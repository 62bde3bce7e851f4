package apperr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"plain error", errors.New("disk full"), http.StatusInternalServerError},
		{"internal", apperr.New(apperr.Internal, "x"), http.StatusInternalServerError},
		{"unauthorized", apperr.New(apperr.Unauthorized, "x"), http.StatusUnauthorized},
		{"forbidden", apperr.Forbiddenf("x"), http.StatusForbidden},
		{"not found", apperr.NotFoundf("x"), http.StatusNotFound},
		{"too large", apperr.New(apperr.TooLarge, "x"), http.StatusRequestEntityTooLarge},
		{"malformed", apperr.New(apperr.Malformed, "x"), http.StatusBadRequest},
		{"invalid", apperr.Field("f", "required"), http.StatusUnprocessableEntity},
		{"conflict", apperr.Conflictf("x"), http.StatusConflict},
		{"invalid transition", apperr.New(apperr.InvalidTransition, "x"), http.StatusConflict},
		{"too many requests", apperr.New(apperr.TooManyRequests, "x"), http.StatusTooManyRequests},
		{"wrapped", fmt.Errorf("cases: %w", apperr.NotFoundf("no case")), http.StatusNotFound},
		{"unknown kind", apperr.New(apperr.Kind(99), "x"), http.StatusInternalServerError},
		{"negative kind", apperr.New(apperr.Kind(-1), "x"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apperr.Status(tt.err); got != tt.want {
				t.Errorf("Status = %d, want %d", got, tt.want)
			}
		})
	}
}
