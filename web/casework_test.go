package web_test

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// multipartPost sends the upload form with the CSRF token first, as a
// browser sends the fields in the order of the form.
func (b *browser) upload(path, csrf, kind, filename string, content []byte) response {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf != "" {
		mw.WriteField("csrf", csrf)
	}
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWorkPage: "My work" is the home of caseworkers and supervisors and
// lists what is due on their shelter's cases only, in their language.
func TestWorkPage(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	other := e.newCase(t, "bob", "Ama", "Mensah", "GH")
	ana := e.loggedIn(t, "ana")
	r := ana.get("/work")
	if r.Code != http.StatusOK || !strings.Contains(r.Body, c.Reference) || !strings.Contains(r.Body, `data-kind="flag"`) ||
		!strings.Contains(r.Body, "R27") || !strings.Contains(r.Body, "04/06/2025") {
		t.Fatalf("work page: got %d, want %s's R27 due 04/06/2025; body:\n%s", r.Code, c.Reference, r.Body)
	}
	if strings.Contains(r.Body, other.Reference) || strings.Contains(r.Body, "Grace") {
		t.Fatalf("work page shows another shelter's case or a name")
	}
	if strings.Contains(r.Body, "⟦") {
		t.Fatalf("untranslated key: %s", snippet(r.Body, "⟦"))
	}
	fr := e.loggedIn(t, "sam")
	fr.get("/work?lang=fr")
	if r := fr.get("/work"); !strings.Contains(r.Body, "Mon travail") || !strings.Contains(r.Body, "Alerte à échéance") {
		t.Fatalf("French work page: want its title and kinds translated")
	}
	if r := e.loggedIn(t, "aud").get("/work"); r.Code != http.StatusForbidden {
		t.Fatalf("auditor: got %d, want 403", r.Code)
	}
}

// TestCaseworkPage: notes, tasks, services and documents through the
// forms; a refused note keeps what was typed; another shelter gets 404.
func TestCaseworkPage(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	path := "/cases/" + c.ID + "/work"
	ana := e.loggedIn(t, "ana")
	if r := ana.get("/cases/" + c.ID); !strings.Contains(r.Body, `href="`+path+`"`) {
		t.Fatalf("the case page does not link to its casework page")
	}
	if r := ana.get(path); r.Code != http.StatusOK || !strings.Contains(r.Body, "Contact log") {
		t.Fatalf("casework page: got %d", r.Code)
	}
	typed := "Grace told me about the flat in Antwerp"
	// Refused (no kind): the text comes back in the form, with the error.
	r := ana.post(path, url.Values{"action": {"note"}, "occurred_on": {"2025-06-14"}, "text": {typed}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, typed) || !strings.Contains(r.Body, `aria-invalid="true"`) {
		t.Fatalf("refused note: got %d, want 422 with the text kept; body:\n%s", r.Code, r.Body)
	}
	r = ana.post(path, url.Values{"action": {"note"}, "occurred_on": {"2025-06-14"}, "kind": {"meeting"}, "text": {typed}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("note: got %d, want 303; body:\n%s", r.Code, r.Body)
	}
	r = ana.get(r.Header.Get("Location"))
	if !strings.Contains(r.Body, "The note was added.") || !strings.Contains(r.Body, typed) {
		t.Fatalf("after the note: want the notice and the note")
	}
	for _, form := range []url.Values{
		{"action": {"task"}, "title": {"Book the interpreter"}, "due_on": {"2025-06-20"}},
		{"action": {"service"}, "service": {"legal"}, "provider": {"shelter"}, "started_on": {"2025-06-10"}},
	} {
		if r := ana.post(path, form); r.Code != http.StatusSeeOther {
			t.Fatalf("%s: got %d, want 303; body:\n%s", form.Get("action"), r.Code, r.Body)
		}
	}
	r = ana.get(path)
	if !strings.Contains(r.Body, "Book the interpreter") || !strings.Contains(r.Body, "Legal aid") {
		t.Fatalf("casework page: want the task and the service")
	}
	if r := ana.get("/work?within=7"); !strings.Contains(r.Body, `data-kind="task"`) {
		t.Fatalf("work page: want the task")
	}

	// Documents: a PNG is taken, a text file named .pdf is not; no token, no upload.
	docs := "/cases/" + c.ID + "/documents"
	if r := ana.upload(docs, "", "passport", "p.png", tinyPNG(t)); r.Code != http.StatusForbidden {
		t.Fatalf("upload without the CSRF token: got %d, want 403", r.Code)
	}
	if r := ana.upload(docs, ana.csrf, "other", "letter.pdf", []byte("just text")); r.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Not a PDF, JPEG or PNG file") {
		t.Fatalf("text upload: got %d, want 422 with the reason", r.Code)
	}
	r = ana.upload(docs, ana.csrf, "passport", "p.png", tinyPNG(t))
	if r.Code != http.StatusSeeOther {
		t.Fatalf("upload: got %d, want 303; body:\n%s", r.Code, r.Body)
	}
	r = ana.get(path)
	i := strings.Index(r.Body, `href="`+docs+"/")
	if i < 0 {
		t.Fatalf("casework page: no download link")
	}
	link := r.Body[i+len(`href="`):]
	link = link[:strings.Index(link, `"`)]
	d := ana.get(link)
	if d.Code != http.StatusOK || d.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: got %d %v", d.Code, d.Header)
	}

	bob := e.loggedIn(t, "bob")
	if r := bob.get(path); r.Code != http.StatusNotFound {
		t.Fatalf("another shelter's casework page: got %d, want 404", r.Code)
	}
	if r := bob.get(link); r.Code != http.StatusNotFound {
		t.Fatalf("another shelter's download: got %d, want 404", r.Code)
	}
	if r := bob.post(path, url.Values{"action": {"note"}, "occurred_on": {"2025-06-14"}, "kind": {"phone"}, "text": {"x"}}); r.Code != http.StatusNotFound {
		t.Fatalf("another shelter's note: got %d, want 404", r.Code)
	}
	if r := bob.upload(docs, bob.csrf, "passport", "p.png", tinyPNG(t)); r.Code != http.StatusNotFound {
		t.Fatalf("another shelter's upload: got %d, want 404", r.Code)
	}
}
