package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/casework"
	"github.com/casemgr/casemgr/internal/config"
)

// mailbox is a go-smtp backend that keeps what was delivered, after
// STARTTLS and AUTH PLAIN with the one account it knows.
type mailbox struct {
	mu   sync.Mutex
	msgs []delivered
}

type delivered struct {
	from string
	to   []string
	data string
	tls  bool
	auth bool
}

type session struct {
	mb   *mailbox
	conn *smtp.Conn
	cur  delivered
}

func (mb *mailbox) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{mb: mb, conn: c}, nil
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "digest@payoke.example" || password != "s3cret-pass" {
			return errors.New("invalid credentials")
		}
		s.cur.auth = true
		return nil
	}), nil
}
func (s *session) Reset()        { s.cur = delivered{auth: s.cur.auth} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.cur.auth {
		return errors.New("authenticate first")
	}
	s.cur.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.cur.data = string(b)
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, s.cur)
	s.mb.mu.Unlock()
	return nil
}

// testTLS makes a self-signed certificate for 127.0.0.1 and the client
// configuration that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// TestDailyDigest: the digest of each configured shelter is delivered
// over STARTTLS with the configured credentials, to that shelter's
// mailbox, with counts and references and no name.
func TestDailyDigest(t *testing.T) {
	mb := &mailbox{}
	srvTLS, cliTLS := testTLS(t)
	srv := smtp.NewServer(mb)
	srv.Domain = "127.0.0.1"
	srv.TLSConfig = srvTLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	port := l.Addr().(*net.TCPAddr).Port

	env := apptest.New(t, func(c *config.Config) {
		c.Digest = config.Digest{Enabled: true, SMTPHost: "127.0.0.1", SMTPPort: port, SMTPSecurity: "starttls",
			SMTPUsername: "digest@payoke.example", SMTPPassword: "s3cret-pass", From: "casemgr@payoke.example",
			Recipients: []string{"payoke=team@payoke.example", "pag-asa=team@pag-asa.example"}, Within: 7}
	})
	ana := env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	bob := env.AddUser(t, "bob", auth.RoleCaseworker, "pag-asa")
	ctx := context.Background()
	mk := func(a auth.Actor, given, family string) cases.Case {
		c, err := env.Cases.Create(ctx, a, cases.NewCase{Victim: cases.VictimInput{GivenName: given, FamilyName: family,
			Gender: "female", Nationality: "NG"}, Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1 := mk(ana, "Grace", "Okafor")
	c2 := mk(bob, "Ama", "Mensah")
	if _, err := env.Casework.AddTask(ctx, ana, c1.ID, casework.NewTask{Title: "Call Grace's lawyer", DueOn: "2025-06-17"}); err != nil {
		t.Fatal(err)
	}
	m := env.Mail()
	m.TLS = cliTLS
	n, err := env.Casework.SendDigests(ctx, m, env.Config.Digest.Recipients, env.Config.Digest.Within)
	if err != nil || n != 2 {
		t.Fatalf("send digests: %d sent, %v; want 2", n, err)
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if len(mb.msgs) != 2 {
		t.Fatalf("delivered: %d messages, want 2", len(mb.msgs))
	}
	got := map[string]delivered{}
	for _, msg := range mb.msgs {
		if !msg.tls || !msg.auth || msg.from != "casemgr@payoke.example" || len(msg.to) != 1 {
			t.Errorf("delivery: tls %v auth %v from %q to %v; want TLS, authenticated, from the configured sender", msg.tls, msg.auth, msg.from, msg.to)
		}
		got[msg.to[0]] = msg
	}
	p := got["team@payoke.example"].data
	for _, want := range []string{"Subject: casemgr payoke: 2 overdue, 0 due today, 1 within 7 days", c1.Reference + ": 2 overdue, 1 due", "task: 1", "flag: 2"} {
		if !strings.Contains(p, want) {
			t.Errorf("payoke's digest lacks %q:\n%s", want, p)
		}
	}
	for _, leak := range []string{"Grace", "Okafor", "lawyer", c2.Reference} {
		if strings.Contains(p, leak) {
			t.Errorf("payoke's digest holds %q:\n%s", leak, p)
		}
	}
	if q := got["team@pag-asa.example"].data; !strings.Contains(q, c2.Reference) || strings.Contains(q, c1.Reference) || strings.Contains(q, "Mensah") {
		t.Errorf("pag-asa's digest: want its own case only and no name:\n%s", q)
	}

	// A server without STARTTLS gets nothing when starttls is required.
	plain := smtp.NewServer(&mailbox{})
	plain.Domain = "127.0.0.1"
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go plain.Serve(pl)
	t.Cleanup(func() { plain.Close() })
	m.Port = pl.Addr().(*net.TCPAddr).Port
	if err := m.Send(ctx, []string{"team@payoke.example"}, "x", "y", time.Now()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("send without STARTTLS: got %v, want a refusal", err)
	}
}
