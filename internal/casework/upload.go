package casework

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/casemgr/casemgr/internal/apperr"
)

// UploadSlack is what a multipart upload may add to the file: the
// boundaries, the part headers and the small fields.
const UploadSlack = 64 << 10

// ReadUpload reads a multipart/form-data upload (the API's and the web
// form's): the part "file" (at most MaxDocumentBytes: TooLarge above),
// "kind" and "valid_until", and the small fields named in extra (the web
// form's CSRF token), returned by name. Everything is read into memory:
// the file must not touch the disk before it is encrypted. body should be
// limited to MaxDocumentBytes+UploadSlack (http.MaxBytesReader).
func ReadUpload(body io.Reader, contentType string, extra ...string) (NewDocument, map[string]string, error) {
	tooLarge := apperr.New(apperr.TooLarge, "the document is over %d bytes (10 MiB)", MaxDocumentBytes)
	broken := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge
		}
		return apperr.New(apperr.Malformed, "the multipart body is broken")
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return NewDocument{}, nil, apperr.New(apperr.Malformed, "send the document as multipart/form-data with a file part")
	}
	mr := multipart.NewReader(body, params["boundary"])
	var in NewDocument
	fields := map[string]string{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return NewDocument{}, nil, broken(err)
		}
		name := p.FormName()
		limit := int64(1024)
		if name == "file" {
			limit = MaxDocumentBytes
		}
		b, err := io.ReadAll(io.LimitReader(p, limit+1))
		if err != nil {
			return NewDocument{}, nil, broken(err)
		}
		if int64(len(b)) > limit {
			if name == "file" {
				return NewDocument{}, nil, tooLarge
			}
			return NewDocument{}, nil, apperr.Field(name, "too long")
		}
		switch {
		case name == "file":
			in.Content, in.Filename = b, p.FileName()
		case name == "kind":
			in.Kind = strings.TrimSpace(string(b))
		case name == "valid_until":
			in.ValidUntil = strings.TrimSpace(string(b))
		case contains(extra, name):
			fields[name] = string(b)
		default:
			return NewDocument{}, nil, apperr.Field(name, "unknown field: want file, kind and valid_until")
		}
	}
	return in, fields, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
