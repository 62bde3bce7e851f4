package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
)

type tclient struct {
	t *testing.T
	h http.Handler
}

func (c tclient) do(token, method, path, body string) (int, map[string]any, string) {
	c.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	out := map[string]any{}
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out, rec.Body.String()
}

const victimName = "Zyxwvutsr"
const familyName = "Qponmlkji"

func newCase(t *testing.T, c tclient, token string) string {
	t.Helper()
	code, cs, raw := c.do(token, "POST", "/api/v1/cases", `{"victim":{"given_name":"`+victimName+`","family_name":"`+familyName+`",
		"date_of_birth":"1990-05-01","gender":"female","nationality":"NG"},"exploitation":["labour"],
		"identified_on":"2025-06-01","identified_by":"police"}`)
	if code != 201 {
		t.Fatalf("create case: got %d, want 201: %s", code, raw)
	}
	return cs["id"].(string)
}

// fileBytes returns the SQLite database and its write-ahead log.
func fileBytes(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	for _, name := range []string{"casemgr.db", "casemgr.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestErasure(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, "cw", auth.RoleCaseworker, "payoke")
	env.AddUser(t, "root", auth.RoleAdmin, "")
	c := tclient{t: t, h: env.Handler}
	cw, admin := env.Login(t, "cw"), env.Login(t, "root")
	id := newCase(t, c, cw)
	if code, _, raw := c.do(cw, "POST", "/api/v1/cases/"+id+"/events", `{"type":"start_reflection","occurred_on":"2025-06-02","note":"met at the station"}`); code != 200 {
		t.Fatalf("event: %d %s", code, raw)
	}
	if apptest.Postgres() {
		t.Log("SQLite only: the check of the database file's bytes is skipped on PostgreSQL")
	} else if bytes.Contains(fileBytes(t, env.Dir), []byte(victimName)) {
		t.Fatalf("the victim's name is in the database file in plaintext")
	}

	tests := []struct {
		name, token, id string
		want            int
	}{
		{"caseworker may not erase", cw, id, 403},
		{"unknown case", admin, "6f1c4a7e-0000-4000-8000-000000000000", 404},
		{"admin erases", admin, id, 200},
		{"second erasure", admin, id, 409},
	}
	for _, tt := range tests {
		if code, _, raw := c.do(tt.token, "POST", "/api/v1/cases/"+tt.id+"/erase", ""); code != tt.want {
			t.Errorf("%s: got %d, want %d: %s", tt.name, code, tt.want, raw)
		}
	}

	code, cs, raw := c.do(cw, "GET", "/api/v1/cases/"+id, "")
	if code != 200 {
		t.Fatalf("get erased case: %d %s", code, raw)
	}
	v := cs["victim"].(map[string]any)
	if v["given_name"] != "" || v["family_name"] != "" || v["date_of_birth"] != nil || cs["erased"] != true {
		t.Errorf("got victim %v erased %v, want identity gone", v, cs["erased"])
	}
	if v["gender"] != "female" || v["nationality"] != "NG" || cs["state"] != "reflection" {
		t.Errorf("got gender %v nationality %v state %v, want statistics and state kept", v["gender"], v["nationality"], cs["state"])
	}
	var enc struct {
		DataKey, GivenNameEnc, DateOfBirthEnc []byte
		AgeBand                               string
	}
	env.DB.Read.Raw("SELECT data_key, given_name_enc, date_of_birth_enc, age_band FROM cases WHERE id = ?", id).Scan(&enc)
	if enc.DataKey != nil || enc.GivenNameEnc != nil || enc.DateOfBirthEnc != nil || enc.AgeBand != "35-49" {
		t.Errorf("stored row still holds identity data or lost its age band: %+v", enc)
	}
	var notes int64
	env.DB.Read.Raw("SELECT COUNT(*) FROM case_notes WHERE case_id = ?", id).Scan(&notes)
	if notes != 0 {
		t.Errorf("got %d encrypted notes after erasure, want 0", notes)
	}
	_, hist, _ := c.do(cw, "GET", "/api/v1/cases/"+id+"/events", "")
	items := hist["items"].([]any)
	if last := items[len(items)-1].(map[string]any); last["event"] != "erase_case" || last["actor"] != "root" {
		t.Errorf("got last history item %v, want erase_case by root", last)
	}
	for _, it := range items {
		if n := it.(map[string]any)["note"]; n != "" {
			t.Errorf("got note %q after erasure, want none", n)
		}
	}
	if code, list, _ := c.do(cw, "GET", "/api/v1/cases?q="+victimName+"+"+familyName, ""); code != 200 || len(list["items"].([]any)) != 0 {
		t.Errorf("search by the erased name: got %d %v, want no match", code, list["items"])
	}
	res, err := audit.VerifyDB(context.Background(), env.DB.Read)
	if err != nil || !res.OK {
		t.Errorf("audit chain after erasure: %+v %v, want intact", res, err)
	}
	if code, _, raw := c.do(cw, "POST", "/api/v1/cases/"+id+"/events", `{"type":"file_complaint","occurred_on":"2025-06-03"}`); code != 200 {
		t.Errorf("event on an erased case: got %d, want 200 (the path goes on): %s", code, raw)
	}
}

func TestKeyRotation(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, "cw", auth.RoleCaseworker, "payoke")
	c := tclient{t: t, h: env.Handler}
	cw := env.Login(t, "cw")
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, newCase(t, c, cw))
	}
	old := env.Keys.CurrentKEKID()
	newID, err := env.Keys.RotateKEK()
	if err != nil {
		t.Fatal(err)
	}
	// A case created between the rotation and the re-wrap uses the new key.
	ids = append(ids, newCase(t, c, cw))
	n, err := env.Cases.RewrapKeys(context.Background(), auth.System)
	if err != nil || n != 3 {
		t.Fatalf("rewrap: got %d, %v; want 3 re-wrapped", n, err)
	}
	if err := env.Keys.RetireKEK(old); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		code, cs, raw := c.do(cw, "GET", "/api/v1/cases/"+id, "")
		if code != 200 || cs["victim"].(map[string]any)["given_name"] != victimName {
			t.Errorf("case %s after rotation to %s: got %d %s", id, newID, code, raw)
		}
	}
	ring, err := os.ReadFile(filepath.Join(env.Dir, "kek.keys"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ring), old+" ") {
		t.Errorf("retired key %s still in the ring", old)
	}
	res, err := audit.VerifyDB(context.Background(), env.DB.Read)
	if err != nil || !res.OK {
		t.Errorf("audit chain: %+v %v", res, err)
	}
}

// TestLogsHoldNoIdentity runs a full scenario with the logs captured and
// checks that no name, note, password or token appears in them.
func TestLogsHoldNoIdentity(t *testing.T) {
	var logs bytes.Buffer
	env := apptest.NewLogged(t, &logs, nil)
	env.AddUser(t, "cw", auth.RoleCaseworker, "payoke")
	c := tclient{t: t, h: env.Handler}
	_, login, _ := c.do("", "POST", "/api/v1/auth/login", `{"username":"cw","password":"`+apptest.Password+`"}`)
	cw := login["access_token"].(string)
	refresh := login["refresh_token"].(string)
	id := newCase(t, c, cw)
	secretNote := "hiding-at-aunt-in-Namur"
	c.do(cw, "POST", "/api/v1/cases/"+id+"/events", `{"type":"start_reflection","occurred_on":"2025-06-02","note":"`+secretNote+`"}`)
	c.do(cw, "POST", "/api/v1/cases/"+id+"/events", `{"type":"bogus","occurred_on":"2025-06-02","note":"`+secretNote+`"}`)
	c.do(cw, "PATCH", "/api/v1/cases/"+id, `{"victim":{"alias":"`+victimName+`-alias"}}`)
	c.do(cw, "GET", "/api/v1/cases?q="+familyName, "")
	c.do(cw, "GET", "/api/v1/cases/"+id+"/events", "")
	c.do("", "POST", "/api/v1/auth/login", `{"username":"cw","password":"wrong `+victimName+`"}`)
	c.do("", "POST", "/api/v1/auth/refresh", `{"refresh_token":"`+refresh+`"}`)
	c.do(cw, "POST", "/api/v1/cases", `{"victim":{"given_name":"`+victimName+`","family_name":""},"exploitation":[]}`)
	if logs.Len() == 0 {
		t.Fatal("no logs captured")
	}
	for _, secret := range []string{victimName, familyName, secretNote, apptest.Password, cw, refresh} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
	if !strings.Contains(logs.String(), `"route":"/api/v1/cases/:id/events"`) || !strings.Contains(logs.String(), `"actor":"cw"`) {
		t.Errorf("request logs lack the route template or the actor:\n%s", logs.String())
	}
}

func TestHostileBodies(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, "cw", auth.RoleCaseworker, "payoke")
	c := tclient{t: t, h: env.Handler}
	cw := env.Login(t, "cw")
	id := newCase(t, c, cw)
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	deepData := `{"type":"file_charges","occurred_on":"2025-06-02","data":{"retains_trafficking":` + strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000) + `}}`
	big := `{"type":"start_reflection","occurred_on":"2025-06-02","note":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name, path, body string
		want             int
	}{
		{"deeply nested array", "/api/v1/cases/" + id + "/events", deep, 400},
		{"deeply nested data", "/api/v1/cases/" + id + "/events", deepData, 422},
		{"oversized note", "/api/v1/cases/" + id + "/events", big, 413},
		{"long but allowed note", "/api/v1/cases/" + id + "/events", `{"type":"start_reflection","occurred_on":"2025-06-02","note":"` + strings.Repeat("x", 10001) + `"}`, 422},
		{"nested json beyond the decoder's depth", "/api/v1/cases", strings.Repeat("[", 50000) + strings.Repeat("]", 50000), 400},
		{"nested json within the depth", "/api/v1/cases", strings.Repeat("[", 500) + strings.Repeat("]", 500), 422},
		{"number where object", "/api/v1/cases", `42`, 422},
		{"null body", "/api/v1/cases", `null`, 422},
		{"trailing garbage", "/api/v1/cases", `{} x`, 400},
	}
	for _, tt := range tests {
		if code, _, raw := c.do(cw, "POST", tt.path, tt.body); code != tt.want {
			t.Errorf("%s: got %d, want %d: %.200s", tt.name, code, tt.want, raw)
		}
	}
	_, cs, _ := c.do(cw, "GET", "/api/v1/cases/"+id, "")
	if cs["version"] != 1.0 || cs["state"] != "identified" {
		t.Errorf("after rejected requests got version %v state %v, want 1 identified", cs["version"], cs["state"])
	}
}
