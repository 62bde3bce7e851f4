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
	"gorm.io/gorm"

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
	official bool
}

// builtCase is a case ready to insert, but for its reference and the seq
// and hashes of its records, which the writer assigns in order.
type builtCase struct {
	id, shelter string
	state       string
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
	"date_of_birth_enc", "name_index", "name_index_rev", "majority_month", "erased_at", "gender", "nationality",
	"unaccompanied_minor", "age_band", "ctdc_age_band", "exploitation", "facts", "demo", "created_at", "updated_at",
	"identity_fingerprint"}

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
	sealed, err := cases.SealIdentity(b.Keys, dk, id, d.Victim())
	if err != nil {
		return builtCase{}, fmt.Errorf("seed: %w", err)
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
	flags := eligibility.Evaluate(snap, today, b.Settings)
	for _, f := range flags {
		bc.flags = append(bc.flags, [3]string{f.Rule, string(f.Severity), string(f.Kind)})
	}
	// The NRM deadlines and the flags' due dates, as the service stores them.
	bc.deadlines = cases.StoredDeadlines(snap, flags, today, b.Settings)
	created := now.UTC()
	bc.state = string(d.State())
	bc.cols = []any{p.Shelter, 1 + len(p.Events), string(d.State()), string(d.Proceedings()), d.IdentifiedOn().String(),
		d.IdentifiedBy(), d.LastEventOn().String(), wrapped, sealed.GivenName, sealed.FamilyName, sealed.Alias,
		sealed.DateOfBirth, sealed.NameIndex, sealed.NameIndexRev, cases.MajorityMonthTag(b.Keys, d.Victim().DateOfBirth, d.IdentifiedOn()), nil,
		d.Gender(), d.Nationality(), d.UnaccompaniedMinor(), d.AgeBand(), d.CTDCAgeBand(),
		d.Exploitation(), facts, false, created, created, sealed.Fingerprint}
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
		if err := b.commit(ctx, bt.built, &st); err != nil {
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
		OfficialNRM bool
	}
	if err := b.DB.Read.WithContext(ctx).Table("shelters").Select("id, official_nrm").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("seed: read shelters: %w", err)
	}
	out := make(map[string]shelterInfo, len(rows))
	for _, r := range rows {
		out[r.ID] = shelterInfo{official: r.OfficialNRM}
	}
	return out, nil
}

// commit writes one batch in one transaction (store.DB.Tx, as the
// service's changes): the references from internal/case's counter code,
// every row, and the records through audit.AppendBatch, which chains them
// from the head and moves it.
func (b *Bulk) commit(ctx context.Context, built []builtCase, st *Stats) error {
	var records, notes int64
	err := b.DB.Tx(ctx, func(tx *gorm.DB) error {
		records, notes = 0, 0
		pool := tx.Statement.ConnPool
		ins := func(table string, cols []string) *inserter { return newInserter(ctx, pool, table, cols) }
		casesIns := ins("cases", caseColumns)
		flagsIns := ins("case_flags", []string{"case_id", "rule", "severity", "kind"})
		deadlinesIns := ins("case_deadlines", []string{"case_id", "shelter_id", "kind", "due_on", "reference", "state"})
		notesIns := ins("case_notes", []string{"seq", "case_id", "note_enc"})
		var recs []audit.Record
		for i := range built {
			c := &built[i]
			ref, err := cases.NextReference(tx, c.shelter, c.year)
			if err != nil {
				return fmt.Errorf("seed: %w", err)
			}
			if err := casesIns.add(append([]any{c.id, ref}, c.cols...)...); err != nil {
				return err
			}
			for _, f := range c.flags {
				if err := flagsIns.add(c.id, f[0], f[1], f[2]); err != nil {
					return err
				}
			}
			for _, d := range c.deadlines {
				if err := deadlinesIns.add(c.id, c.shelter, d[0], d[1], ref, c.state); err != nil {
					return err
				}
			}
			for j := range c.records {
				c.records[j].CaseRef = ref
			}
			recs = append(recs, c.records...)
		}
		// Parents before children: cases, then what references them.
		for _, in := range []*inserter{casesIns, flagsIns, deadlinesIns} {
			if err := in.flush(); err != nil {
				return err
			}
		}
		if err := audit.AppendBatch(tx, recs); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		k := 0
		for i := range built {
			c := &built[i]
			for j := range c.records {
				if note := c.notes[j]; note != "" {
					ct, err := cases.SealNote(c.dk, c.id, recs[k].Seq, note)
					if err != nil {
						return fmt.Errorf("seed: %w", err)
					}
					if err := notesIns.add(recs[k].Seq, c.id, ct); err != nil {
						return err
					}
					notes++
				}
				k++
			}
		}
		records = int64(len(recs))
		return notesIns.flush()
	})
	if err != nil {
		return err
	}
	st.Cases += int64(len(built))
	st.Records += records
	st.Notes += notes
	return nil
}

// inserter buffers rows of one table and inserts them with multi-row
// INSERT statements. Rows are only sent to the database by flush, so that
// a table's rows go after the rows they reference.
type inserter struct {
	ctx     context.Context
	tx      gorm.ConnPool
	table   string
	cols    []string
	perStmt int
	rows    [][]any
}

func newInserter(ctx context.Context, tx gorm.ConnPool, table string, cols []string) *inserter {
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
