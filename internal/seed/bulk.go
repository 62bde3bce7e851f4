package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/casemgr/casemgr/internal/audit"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/vault"
)

// Bulk writes plans in large transactions, producing the rows the service
// would (see the package comment).
type Bulk struct {
	DB       *store.DB
	Keys     *vault.Keys
	Settings eligibility.Settings
	// Now is the clock: created_at, updated_at, recorded_at, and "today"
	// for the stored flags and deadlines.
	Now func() time.Time
	// BatchCases is the number of cases per transaction (default 1000).
	BatchCases int
	// Workers build cases in parallel (default GOMAXPROCS).
	Workers int
	// CacheMiB, when positive, sets the page cache of the write
	// connection (PRAGMA cache_size) for the run: large seeds insert
	// into indexes far bigger than SQLite's 2 MiB default.
	CacheMiB int
	// Progress, when set, is called after each committed transaction
	// with the totals so far.
	Progress func(Stats)
}

// Stats are the totals of a Bulk run.
type Stats struct {
	Cases   int64
	Records int64
	Notes   int64
	Batches int64
}

type shelterInfo struct {
	prefix   string
	official bool
}

// builtCase is a case ready to insert, but for its reference and the seq
// and hashes of its records, which the writer assigns in order.
type builtCase struct {
	id, shelter string
	year        int
	dk          vault.DataKey
	cols        []any // cases columns after id and reference (see caseColumns)
	flags       [][3]string
	deadlines   [][2]string
	records     []audit.Record
	notes       []string // per record; "" for none
}

// caseColumns are the columns of table cases in insert order; id and
// reference come first.
var caseColumns = []string{"id", "reference", "shelter_id", "version", "state", "proceedings", "identified_on",
	"identified_by", "last_event_on", "data_key", "given_name_enc", "family_name_enc", "alias_enc",
	"date_of_birth_enc", "name_index", "name_index_rev", "erased_at", "gender", "nationality",
	"unaccompanied_minor", "age_band", "ctdc_age_band", "exploitation", "facts", "demo", "created_at", "updated_at"}

var recordColumns = []string{"seq", "recorded_at", "occurred_on", "case_id", "case_ref", "shelter", "actor",
	"actor_role", "event", "from_state", "to_state", "from_proceedings", "to_proceedings", "data",
	"note_digest", "rules_version", "prev_hash", "hash"}

// Field names of the encrypted columns: the associated data of each
// ciphertext (internal/case model.go).
const (
	fieldGivenName   = "given_name"
	fieldFamilyName  = "family_name"
	fieldAlias       = "alias"
	fieldDateOfBirth = "date_of_birth"
	fieldNote        = "note"
)

// build does the CPU work of one case: keys, encryption, the replay of its
// events, facts, flags, deadlines and the audit records' contents. The
// case and its events go through cases.Draft, which validates and applies
// them with the service's own code (Create's validation, RecordEvent's
// checks, state machines, guards and fact updates), as of today.
func (b *Bulk) build(ctx context.Context, p *Plan, sh shelterInfo, now time.Time) (builtCase, error) {
	today := eligibility.Today(now)
	d, err := cases.NewDraft(p.Case, p.Shelter, sh.official, today)
	if err != nil {
		return builtCase{}, fmt.Errorf("seed: case of %s identified on %s: %w", p.Shelter, p.Case.IdentifiedOn, err)
	}
	id := uuid.NewString()
	dk, wrapped, err := b.Keys.NewDataKey(id)
	if err != nil {
		return builtCase{}, fmt.Errorf("seed: new data key: %w", err)
	}
	v := d.Victim()
	given, family, alias := v.GivenName, v.FamilyName, v.Alias
	var sealErr error
	seal := func(field, s string) []byte {
		if sealErr != nil {
			return nil
		}
		var out []byte
		out, sealErr = dk.Seal(id, field, []byte(s))
		return out
	}
	givenEnc, familyEnc, aliasEnc := seal(fieldGivenName, given), seal(fieldFamilyName, family), seal(fieldAlias, alias)
	dobEnc := seal(fieldDateOfBirth, v.DateOfBirth.String())
	if sealErr != nil {
		return builtCase{}, fmt.Errorf("seed: encrypt identity: %w", sealErr)
	}
	actor := Actor(p.Shelter)
	// rec is the audit record of an event that moved the case from
	// (fromS, fromP) to d's current states, as cases' appendRecord writes
	// it; data is the normalised data.
	rec := func(event string, on Date, fromS cases.State, fromP cases.Proceedings, data map[string]any, note string) (audit.Record, error) {
		ad, err := audit.DataOf(data)
		if err != nil {
			return audit.Record{}, fmt.Errorf("seed: audit data: %w", err)
		}
		return audit.Record{
			RecordedAt: audit.FormatTime(now), OccurredOn: on.String(), CaseID: id, Shelter: p.Shelter,
			Actor: actor.Username, ActorRole: string(actor.Role), Event: event,
			FromState: string(fromS), ToState: string(d.State()),
			FromProceedings: string(fromP), ToProceedings: string(d.Proceedings()),
			Data: ad, NoteDigest: b.Keys.NoteDigest(note), RulesVersion: eligibility.Version,
		}, nil
	}
	bc := builtCase{id: id, shelter: p.Shelter, year: d.IdentifiedOn().Year, dk: dk,
		records: make([]audit.Record, 0, len(p.Events)+1), notes: make([]string, 0, len(p.Events)+1)}
	// open_case: from no state; its data as Create records it.
	open, err := rec("open_case", d.IdentifiedOn(), "", "",
		map[string]any{"identified_by": d.IdentifiedBy(), "exploitation": strings.Split(d.Exploitation(), ",")}, "")
	if err != nil {
		return builtCase{}, err
	}
	bc.records, bc.notes = append(bc.records, open), append(bc.notes, "")
	for i, e := range p.Events {
		fromS, fromP := d.State(), d.Proceedings()
		in := cases.EventInput{Type: string(e.Type), OccurredOn: e.On.String(), Note: e.Note, Data: e.Data}
		data, err := d.Apply(ctx, in, today, false, b.Settings)
		if err != nil {
			return builtCase{}, fmt.Errorf("seed: case of %s identified on %s, event %d (%s on %s): %w",
				p.Shelter, p.Case.IdentifiedOn, i+1, e.Type, e.On, err)
		}
		r, err := rec(string(e.Type), e.On, fromS, fromP, data, e.Note)
		if err != nil {
			return builtCase{}, err
		}
		bc.records, bc.notes = append(bc.records, r), append(bc.notes, e.Note)
	}
	facts, err := d.MarshalFacts()
	if err != nil {
		return builtCase{}, fmt.Errorf("seed: %w", err)
	}
	snap := d.Snapshot()
	for _, f := range eligibility.Evaluate(snap, today, b.Settings) {
		bc.flags = append(bc.flags, [3]string{f.Rule, string(f.Severity), string(f.Kind)})
	}
	for _, dl := range eligibility.Deadlines(snap, today, b.Settings) {
		if dl.Kind == eligibility.DeadlineMajority {
			continue // computed when read (internal/case)
		}
		bc.deadlines = append(bc.deadlines, [2]string{dl.Kind, dl.DueOn.String()})
	}
	created := now.UTC()
	bc.cols = []any{p.Shelter, 1 + len(p.Events), string(d.State()), string(d.Proceedings()), d.IdentifiedOn().String(),
		d.IdentifiedBy(), d.LastEventOn().String(), wrapped, givenEnc, familyEnc, aliasEnc, dobEnc,
		b.Keys.BlindIndex(given + " " + family), b.Keys.BlindIndex(family + " " + given), nil,
		d.Gender(), d.Nationality(), d.UnaccompaniedMinor(), d.AgeBand(), d.CTDCAgeBand(),
		d.Exploitation(), facts, false, created, created}
	return bc, nil
}

// batch is one transaction's worth of cases.
type batch struct {
	plans []Plan
	built []builtCase
	err   error
	done  chan struct{}
}

// Write generates n plans with next (called from one goroutine, in order)
// and writes them. Cases are committed in batches; on error, the batches
// already committed stay (each is a consistent set of cases and records).
func (b *Bulk) Write(ctx context.Context, n int, next func() (Plan, error)) (Stats, error) {
	var st Stats
	if b.Now == nil {
		return st, errors.New("seed: Bulk.Now is required")
	}
	if b.DB.Dialect != store.SQLite {
		return st, fmt.Errorf("seed: the bulk path writes SQLite only (database is %s)", b.DB.Dialect)
	}
	size := b.BatchCases
	if size <= 0 {
		size = 1000
	}
	workers := b.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	shelters, err := b.shelters(ctx)
	if err != nil {
		return st, err
	}
	sqlDB, err := b.DB.Write.DB()
	if err != nil {
		return st, fmt.Errorf("seed: %w", err)
	}
	if b.CacheMiB > 0 {
		if _, err := sqlDB.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", b.CacheMiB*1024)); err != nil {
			return st, fmt.Errorf("seed: set cache size: %w", err)
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *batch, workers)
	ordered := make(chan *batch, workers+2)
	// Dispatcher: draws plans in order and hands batches to the workers
	// and, in the same order, to the writer.
	go func() {
		defer close(work)
		defer close(ordered)
		for made := 0; made < n; {
			k := min(size, n-made)
			bt := &batch{plans: make([]Plan, 0, k), done: make(chan struct{})}
			for i := 0; i < k; i++ {
				p, err := next()
				if err != nil {
					bt.err = err
					break
				}
				if _, ok := shelters[p.Shelter]; !ok {
					bt.err = fmt.Errorf("seed: no shelter %q in the database", p.Shelter)
					break
				}
				bt.plans = append(bt.plans, p)
			}
			made += k
			select {
			case ordered <- bt:
			case <-ctx.Done():
				return
			}
			if bt.err != nil {
				close(bt.done)
				return
			}
			select {
			case work <- bt:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := 0; i < workers; i++ {
		go func() {
			for bt := range work {
				now := b.Now()
				bt.built = make([]builtCase, len(bt.plans))
				for j := range bt.plans {
					if bt.built[j], bt.err = b.build(ctx, &bt.plans[j], shelters[bt.plans[j].Shelter], now); bt.err != nil {
						break
					}
				}
				bt.plans = nil
				close(bt.done)
			}
		}()
	}
	for bt := range ordered {
		select {
		case <-bt.done:
		case <-ctx.Done():
			return st, ctx.Err()
		}
		if bt.err != nil {
			return st, bt.err
		}
		if err := b.commit(ctx, sqlDB, shelters, bt.built, &st); err != nil {
			return st, err
		}
		st.Batches++
		if b.Progress != nil {
			b.Progress(st)
		}
	}
	return st, nil
}

func (b *Bulk) shelters(ctx context.Context) (map[string]shelterInfo, error) {
	var rows []struct {
		ID          string
		RefPrefix   string
		OfficialNRM bool
	}
	if err := b.DB.Read.WithContext(ctx).Table("shelters").Select("id, ref_prefix, official_nrm").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("seed: read shelters: %w", err)
	}
	out := make(map[string]shelterInfo, len(rows))
	for _, r := range rows {
		out[r.ID] = shelterInfo{prefix: r.RefPrefix, official: r.OfficialNRM}
	}
	return out, nil
}

// commit writes one batch in one IMMEDIATE transaction: it takes the
// references from reference_counters, chains the records from the
// audit_head it reads, inserts every row and moves the head.
func (b *Bulk) commit(ctx context.Context, db *sql.DB, shelters map[string]shelterInfo, built []builtCase, st *Stats) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return fmt.Errorf("seed: read audit_head: %w", err)
	}
	// References: reserve a block per shelter and year, in plan order.
	type key struct {
		shelter string
		year    int
	}
	counts := map[key]int{}
	var order []key
	for i := range built {
		k := key{built[i].shelter, built[i].year}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	nextNum := map[key]int{}
	for _, k := range order {
		var last int
		err := tx.QueryRowContext(ctx, `INSERT INTO reference_counters (shelter_id, year, last) VALUES (?, ?, ?)
			ON CONFLICT (shelter_id, year) DO UPDATE SET last = reference_counters.last + excluded.last
			RETURNING last`, k.shelter, k.year, counts[k]).Scan(&last)
		if err != nil {
			return fmt.Errorf("seed: reference counter: %w", err)
		}
		nextNum[k] = last - counts[k] + 1
	}

	ins := func(table string, cols []string) *inserter { return newInserter(ctx, tx, table, cols) }
	casesIns := ins("cases", caseColumns)
	flagsIns := ins("case_flags", []string{"case_id", "rule", "severity", "kind"})
	deadlinesIns := ins("case_deadlines", []string{"case_id", "shelter_id", "kind", "due_on"})
	recordsIns := ins("audit_log", recordColumns)
	notesIns := ins("case_notes", []string{"seq", "case_id", "note_enc"})
	seq, prev := headSeq, headHash
	for i := range built {
		c := &built[i]
		k := key{c.shelter, c.year}
		ref := fmt.Sprintf("%s-%d-%04d", shelters[c.shelter].prefix, c.year, nextNum[k])
		nextNum[k]++
		if err := casesIns.add(append([]any{c.id, ref}, c.cols...)...); err != nil {
			return err
		}
		for _, f := range c.flags {
			if err := flagsIns.add(c.id, f[0], f[1], f[2]); err != nil {
				return err
			}
		}
		for _, d := range c.deadlines {
			if err := deadlinesIns.add(c.id, c.shelter, d[0], d[1]); err != nil {
				return err
			}
		}
		for j := range c.records {
			r := &c.records[j]
			seq++
			r.Seq, r.PrevHash, r.CaseRef = seq, prev, ref
			if r.Hash, err = audit.ComputeHash(*r); err != nil {
				return fmt.Errorf("seed: hash seq %d: %w", seq, err)
			}
			prev = r.Hash
			if err := recordsIns.add(r.Seq, r.RecordedAt, r.OccurredOn, r.CaseID, r.CaseRef, r.Shelter, r.Actor,
				r.ActorRole, r.Event, r.FromState, r.ToState, r.FromProceedings, r.ToProceedings, r.Data,
				r.NoteDigest, r.RulesVersion, r.PrevHash, r.Hash); err != nil {
				return err
			}
			if note := c.notes[j]; note != "" {
				ct, err := c.dk.Seal(c.id, fmt.Sprintf("%s/%d", fieldNote, seq), []byte(note))
				if err != nil {
					return fmt.Errorf("seed: encrypt note: %w", err)
				}
				if err := notesIns.add(seq, c.id, ct); err != nil {
					return err
				}
				st.Notes++
			}
		}
	}
	// Parents before children: cases, then what references them.
	for _, in := range []*inserter{casesIns, flagsIns, deadlinesIns, recordsIns, notesIns} {
		if err := in.flush(); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?", seq, prev, headSeq)
	if err != nil {
		return fmt.Errorf("seed: move audit_head: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("seed: audit_head moved during the batch (rows %d, %v)", n, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: commit: %w", err)
	}
	st.Cases += int64(len(built))
	st.Records += seq - headSeq
	return nil
}

// inserter buffers rows of one table and inserts them with multi-row
// INSERT statements. Rows are only sent to the database by flush, so that
// a table's rows go after the rows they reference.
type inserter struct {
	ctx     context.Context
	tx      *sql.Tx
	table   string
	cols    []string
	perStmt int
	rows    [][]any
}

func newInserter(ctx context.Context, tx *sql.Tx, table string, cols []string) *inserter {
	// SQLite accepts at most 32766 parameters per statement.
	return &inserter{ctx: ctx, tx: tx, table: table, cols: cols, perStmt: min(500, 32766/len(cols))}
}

func (in *inserter) add(vals ...any) error {
	if len(vals) != len(in.cols) {
		return fmt.Errorf("seed: insert into %s: got %d values, want %d", in.table, len(vals), len(in.cols))
	}
	in.rows = append(in.rows, vals)
	return nil
}

func (in *inserter) statement(rows int) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO ")
	sb.WriteString(in.table)
	sb.WriteString(" (")
	sb.WriteString(strings.Join(in.cols, ", "))
	sb.WriteString(") VALUES ")
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(in.cols)), ", ") + ")"
	for i := 0; i < rows; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(one)
	}
	return sb.String()
}

func (in *inserter) flush() error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, in.perStmt*len(in.cols))
	for start := 0; start < len(in.rows); start += in.perStmt {
		end := min(start+in.perStmt, len(in.rows))
		args = args[:0]
		for _, r := range in.rows[start:end] {
			args = append(args, r...)
		}
		var err error
		if end-start == in.perStmt {
			if full == nil {
				if full, err = in.tx.PrepareContext(in.ctx, in.statement(in.perStmt)); err != nil {
					return fmt.Errorf("seed: prepare insert into %s: %w", in.table, err)
				}
			}
			_, err = full.ExecContext(in.ctx, args...)
		} else {
			_, err = in.tx.ExecContext(in.ctx, in.statement(end-start), args...)
		}
		if err != nil {
			return fmt.Errorf("seed: insert into %s: %w", in.table, err)
		}
	}
	in.rows = in.rows[:0]
	return nil
}
