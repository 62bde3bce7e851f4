package casework

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// MaxDocumentBytes is the largest document accepted (413 above it).
const MaxDocumentBytes = 10 << 20

// DocumentKinds are the kinds of document kept on a case.
var DocumentKinds = []string{"annex_15", "attestation_immatriculation", "cire_a_card", "b_card", "passport",
	"id_card", "prosecutor_letter", "medical", "other"}

// The types a document may have, as its content shows them.
const (
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
)

// Document is a document of a case, without its content. Its file name
// (as uploaded) is sealed with the case's data key like the content.
type Document struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	Kind        string    `json:"kind"`
	ValidUntil  *Date     `json:"valid_until"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Filename    string    `json:"filename"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewDocument is an upload.
type NewDocument struct {
	Kind       string
	ValidUntil string
	Filename   string
	Content    []byte
}

// File is a document's decrypted content for a download.
type File struct {
	Document
	// Name is the file name to offer: the case reference, the kind and
	// the extension of the type (never the uploaded name, which may hold
	// a name of a person).
	Name    string
	Content []byte
}

type documentRow struct {
	ID          string
	CaseID      string
	Kind        string
	ValidUntil  string
	ContentType string
	Size        int64
	FilenameEnc []byte
	UploadedBy  string
	CreatedAt   time.Time
}

const documentColumns = "id, case_id, kind, valid_until, content_type, size, filename_enc, uploaded_by, created_at"

func docField(id, part string) string { return "document/" + id + "/" + part }

func (r documentRow) view(cf cases.CaseFile) (Document, error) {
	name, err := open(cf, docField(r.ID, "filename"), r.FilenameEnc)
	if err != nil {
		return Document{}, err
	}
	until, err := parseStored(r.ValidUntil)
	if err != nil {
		return Document{}, err
	}
	return Document{ID: r.ID, CaseID: r.CaseID, Kind: r.Kind, ValidUntil: datePtr(until), ContentType: r.ContentType,
		Size: r.Size, Filename: name, UploadedBy: r.UploadedBy, CreatedAt: r.CreatedAt.UTC()}, nil
}

// ContentType returns the type of a PDF, JPEG or PNG file as its bytes
// show it, or "" for anything else. The name is never looked at. Beyond
// http.DetectContentType (the first bytes), a PDF must also end with its
// end-of-file marker, and a JPEG or PNG must have a header that decodes
// with sane dimensions.
func ContentType(b []byte) string {
	switch http.DetectContentType(b) {
	case TypePDF:
		tail := b[max(0, len(b)-1024):]
		if bytes.HasPrefix(b, []byte("%PDF-")) && bytes.Contains(tail, []byte("%%EOF")) {
			return TypePDF
		}
	case TypePNG:
		if sane(png.DecodeConfig(bytes.NewReader(b))) {
			return TypePNG
		}
	case TypeJPEG:
		if sane(jpeg.DecodeConfig(bytes.NewReader(b))) {
			return TypeJPEG
		}
	}
	return ""
}

func sane(c image.Config, err error) bool {
	return err == nil && c.Width > 0 && c.Height > 0 && c.Width <= 20000 && c.Height <= 20000
}

func extension(ct string) string {
	switch ct {
	case TypePDF:
		return ".pdf"
	case TypeJPEG:
		return ".jpg"
	case TypePNG:
		return ".png"
	}
	return ".bin"
}

// AddDocument stores a document (201): its content and name sealed with
// the case's data key before they are written. valid_until, when given,
// puts a document_expiry item on the work list.
func (s *Service) AddDocument(ctx context.Context, a auth.Actor, caseID string, in NewDocument) (Document, error) {
	if err := s.cases.Visible(ctx, a, caseID); err != nil {
		return Document{}, err
	}
	if len(in.Content) > MaxDocumentBytes {
		return Document{}, apperr.New(apperr.TooLarge, "the document is over %d bytes (10 MiB)", MaxDocumentBytes)
	}
	var f apperr.Fields
	oneOf(&f, "kind", in.Kind, DocumentKinds)
	until := checkDate(&f, "valid_until", in.ValidUntil, true)
	ct := ""
	if len(in.Content) == 0 {
		f.AddCode("file", apperr.CodeRequired, "required: a PDF, JPEG or PNG file")
	} else if ct = ContentType(in.Content); ct == "" {
		f.Add("file", "not a PDF, JPEG or PNG file (by its content, whatever its name)")
	}
	name := path.Base(strings.ReplaceAll(in.Filename, `\`, "/"))
	if !utf8.ValidString(name) || len(name) > 255 || name == "." || name == "/" {
		name = ""
	}
	if err := f.Err(); err != nil {
		return Document{}, err
	}
	return changeCase(ctx, s, a, caseID, func(ch *change) (Document, error) {
		cf := ch.cf
		if cf.Erased {
			return Document{}, errErased
		}
		r := documentRow{ID: uuid.NewString(), CaseID: cf.ID, Kind: in.Kind, ValidUntil: dateText(until), ContentType: ct,
			Size: int64(len(in.Content)), UploadedBy: a.Username, CreatedAt: s.now().UTC()}
		var err error
		if r.FilenameEnc, err = seal(cf, docField(r.ID, "filename"), name); err != nil {
			return Document{}, err
		}
		content, err := cf.Key.Seal(cf.ID, docField(r.ID, "content"), in.Content)
		if err != nil {
			return Document{}, fmt.Errorf("casework: encrypt document: %w", err)
		}
		if err := ch.tx.Exec("INSERT INTO case_documents (id, case_id, shelter_id, kind, valid_until, content_type, size, filename_enc, content_enc, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			r.ID, r.CaseID, cf.Shelter, r.Kind, r.ValidUntil, r.ContentType, r.Size, r.FilenameEnc, content, r.UploadedBy, r.CreatedAt).Error; err != nil {
			return Document{}, fmt.Errorf("casework: add document: %w", err)
		}
		data := map[string]any{"document_id": r.ID, "kind": r.Kind, "valid_until": r.ValidUntil,
			"content_type": r.ContentType, "size": r.Size}
		// The digest of the content lets an auditor holding the file show
		// it is the one uploaded.
		if _, err := ch.add("add_document", s.today(), data, s.cases.NoteDigest(string(in.Content))); err != nil {
			return Document{}, err
		}
		return r.view(cf)
	})
}

// Documents lists the documents of a case, newest first.
func (s *Service) Documents(ctx context.Context, a auth.Actor, caseID string) ([]Document, error) {
	return listRows[documentRow, Document](ctx, s, a, caseID, cases.AccessDocuments,
		"SELECT "+documentColumns+" FROM case_documents WHERE case_id = ? ORDER BY created_at DESC, id")
}

// Download returns a document's decrypted content; the read is in the
// read-access log. A document of a case the actor cannot see, or of an
// erased case (whose documents are destroyed), is NotFound.
func (s *Service) Download(ctx context.Context, a auth.Actor, caseID, documentID string) (File, error) {
	if _, err := uuid.Parse(documentID); err != nil {
		return File{}, apperr.NotFoundf("no such document")
	}
	if err := s.cases.Visible(ctx, a, caseID); err != nil {
		return File{}, err
	}
	var rows []documentRow
	db := s.cases.ReadDB(ctx)
	if err := db.Raw("SELECT "+documentColumns+" FROM case_documents WHERE id = ? AND case_id = ?", documentID, caseID).
		Scan(&rows).Error; err != nil {
		return File{}, fmt.Errorf("casework: document: %w", err)
	}
	if len(rows) == 0 {
		return File{}, apperr.NotFoundf("no such document")
	}
	var contents [][]byte
	if err := db.Raw("SELECT content_enc FROM case_documents WHERE id = ?", documentID).Scan(&contents).Error; err != nil {
		return File{}, fmt.Errorf("casework: document content: %w", err)
	}
	if len(contents) == 0 || contents[0] == nil {
		return File{}, apperr.NotFoundf("no such document")
	}
	cf, _, err := s.cases.ReadCasework(ctx, a, caseID, cases.AccessDocument)
	if err != nil {
		return File{}, err
	}
	if cf.Erased {
		return File{}, apperr.NotFoundf("no such document")
	}
	r := rows[0]
	content, err := cf.Key.Open(cf.ID, docField(r.ID, "content"), contents[0])
	if err != nil {
		return File{}, fmt.Errorf("casework: decrypt document: %w", err)
	}
	d, err := r.view(cf)
	if err != nil {
		return File{}, err
	}
	return File{Document: d, Name: cf.Reference + "-" + r.Kind + extension(r.ContentType), Content: content}, nil
}
