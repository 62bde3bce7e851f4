package casework_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/casemgr/casemgr/internal/casework"
)

// TestContentType: the type comes from the bytes, and a header alone
// (what DetectContentType reads) is not enough.
func TestContentType(t *testing.T) {
	var p, j bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 3, 2))
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	pdf := "%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"pdf", []byte(pdf), casework.TypePDF},
		{"png", p.Bytes(), casework.TypePNG},
		{"jpeg", j.Bytes(), casework.TypeJPEG},
		{"html", []byte("<!doctype html><script>alert(1)</script>"), ""},
		{"pdf header, html body", []byte("%PDF-1.4\n<html><script>alert(1)</script>"), ""},
		{"png signature only", p.Bytes()[:8], ""},
		{"png signature, then text", append(append([]byte{}, p.Bytes()[:8]...), "hello world, not a chunk"...), ""},
		{"jpeg marker only", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		if got := casework.ContentType(tt.in); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
