package casework

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/auth"
)

// Mail is where the daily digest goes out: an SMTP server, its security
// (starttls, tls or none) and credentials, and the sender.
type Mail struct {
	Host, Security     string
	Port               int
	Username, Password string
	From               string
	// TLS, when set, replaces the default TLS settings (the tests' own CA).
	TLS *tls.Config
}

// Digest is the daily digest of a shelter's work list: counts and case
// references, never a name or a free text.
type Digest struct {
	Shelter  string
	AsOf     Date
	Within   int
	Overdue  int
	Today    int
	Upcoming int
	ByKind   map[string]int
	// Cases are the references with something due, with their counts.
	Cases []DigestCase
}

// DigestCase is one case of a digest.
type DigestCase struct {
	Reference string
	Overdue   int
	Due       int
}

// BuildDigest counts a shelter's work list as its supervisor would see it
// (no free text is read, no access recorded: only references and dates).
func (s *Service) BuildDigest(ctx context.Context, shelter string, within int) (Digest, error) {
	a := auth.Actor{Username: "digest", Role: auth.RoleSupervisor, Shelter: shelter}
	list, err := s.Work(ctx, a, within)
	if err != nil {
		return Digest{}, err
	}
	d := Digest{Shelter: shelter, AsOf: list.AsOf, Within: within, ByKind: map[string]int{}}
	byRef := map[string]*DigestCase{}
	for _, it := range list.Items {
		d.ByKind[it.Kind]++
		dc := byRef[it.Reference]
		if dc == nil {
			dc = &DigestCase{Reference: it.Reference}
			byRef[it.Reference] = dc
		}
		switch {
		case it.DaysLeft < 0:
			d.Overdue++
			dc.Overdue++
		case it.DaysLeft == 0:
			d.Today++
			dc.Due++
		default:
			d.Upcoming++
			dc.Due++
		}
	}
	for _, dc := range byRef {
		d.Cases = append(d.Cases, *dc)
	}
	sort.Slice(d.Cases, func(i, j int) bool { return d.Cases[i].Reference < d.Cases[j].Reference })
	return d, nil
}

// Subject is the digest's e-mail subject.
func (d Digest) Subject() string {
	return fmt.Sprintf("casemgr %s: %d overdue, %d due today, %d within %d days", d.Shelter, d.Overdue, d.Today, d.Upcoming, d.Within)
}

// Text is the digest's e-mail body (plain text).
func (d Digest) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "casemgr: the work of shelter %s on %s, for the next %d days.\n\n", d.Shelter, d.AsOf, d.Within)
	fmt.Fprintf(&b, "Overdue: %d\nDue today: %d\nDue within %d days: %d\n\n", d.Overdue, d.Today, d.Within, d.Upcoming)
	for _, k := range []string{ItemDeadline, ItemFlag, ItemTask, ItemReferral, ItemDocumentExpiry} {
		fmt.Fprintf(&b, "%s: %d\n", strings.ReplaceAll(k, "_", " "), d.ByKind[k])
	}
	if len(d.Cases) > 0 {
		b.WriteString("\nCases:\n")
		for _, c := range d.Cases {
			fmt.Fprintf(&b, "%s: %d overdue, %d due\n", c.Reference, c.Overdue, c.Due)
		}
	}
	b.WriteString("\nOpen casemgr for the details (\"My work\").\n")
	return b.String()
}

// Send delivers one plain-text message over SMTP. With starttls the
// server must offer STARTTLS (else nothing is sent); credentials are only
// sent over TLS.
func (m Mail) Send(ctx context.Context, to []string, subject, body string, now time.Time) error {
	// A bound on the whole exchange (real time, not the injected clock,
	// which only dates the message).
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	addr := net.JoinHostPort(m.Host, strconv.Itoa(m.Port))
	cfg := m.TLS
	if cfg == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	cfg = cfg.Clone()
	cfg.ServerName = m.Host
	d := net.Dialer{Timeout: 30 * time.Second}
	var conn net.Conn
	var err error
	if m.Security == "tls" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: cfg}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("casework: mail: connect to %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("casework: mail: %w", err)
	}
	defer c.Close()
	if m.Security == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("casework: mail: the server does not offer STARTTLS (digest.smtp_security is starttls)")
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("casework: mail: STARTTLS: %w", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return fmt.Errorf("casework: mail: authenticate: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("casework: mail: MAIL FROM: %w", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("casework: mail: RCPT TO: %w", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("casework: mail: DATA: %w", err)
	}
	id := make([]byte, 12)
	rand.Read(id)
	domain := m.From[strings.LastIndex(m.From, "@")+1:]
	fmt.Fprintf(w, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		m.From, strings.Join(to, ", "), mime.QEncoding.Encode("utf-8", subject), now.UTC().Format(time.RFC1123Z),
		hex.EncodeToString(id), domain)
	if _, err := w.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return fmt.Errorf("casework: mail: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("casework: mail: end of data: %w", err)
	}
	return c.Quit()
}

// SendDigests sends each shelter's digest to its recipients
// ("shelter=address" pairs) and returns how many messages went out.
func (s *Service) SendDigests(ctx context.Context, m Mail, recipients []string, within int) (int, error) {
	to := map[string][]string{}
	var shelters []string
	for _, r := range recipients {
		sh, addr, ok := strings.Cut(r, "=")
		if !ok {
			return 0, fmt.Errorf("casework: digest recipient %q: want shelter=address", r)
		}
		if to[sh] == nil {
			shelters = append(shelters, sh)
		}
		to[sh] = append(to[sh], strings.TrimSpace(addr))
	}
	sent := 0
	var errs []error
	for _, sh := range shelters {
		d, err := s.BuildDigest(ctx, sh, within)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := m.Send(ctx, to[sh], d.Subject(), d.Text(), s.now()); err != nil {
			errs = append(errs, fmt.Errorf("digest of %s: %w", sh, err))
			continue
		}
		sent++
	}
	return sent, errors.Join(errs...)
}
