package app

import (
	"context"
	"fmt"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// DemoUser is a demo account and its password, printed at start.
type DemoUser struct {
	Username, Password string
	Role               auth.Role
	Shelter            string
}

type demoEvent struct {
	daysAgo int
	typ     cases.EventType
	data    map[string]any
}

type demoCase struct {
	shelter      string
	given        string
	nationality  string
	gender       string
	dobYearsAgo  int // 0: unknown
	dobDaysExtra int
	minor        bool
	exploitation []string
	identified   int // days ago
	events       []demoEvent
}

// demoCases spread over every state and every proceedings state. Dates are
// relative to today so the deadlines are always live.
func demoCases() []demoCase {
	ev := func(d int, t cases.EventType, kv ...any) demoEvent {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return demoEvent{daysAgo: d, typ: t, data: m}
	}
	return []demoCase{
		{shelter: "payoke", given: "Ada", nationality: "NG", gender: "female", dobYearsAgo: 27, exploitation: []string{"sexual"},
			identified: 10},
		{shelter: "payoke", given: "Bao", nationality: "VN", gender: "male", dobYearsAgo: 31, exploitation: []string{"labour"},
			identified: 30, events: []demoEvent{ev(28, cases.StartReflection)}},
		{shelter: "payoke", given: "Chidi", nationality: "NG", gender: "female", dobYearsAgo: 24, exploitation: []string{"sexual"},
			identified: 80, events: []demoEvent{ev(75, cases.StartReflection), ev(60, cases.FileComplaint)}},
		{shelter: "payoke", given: "Dara", nationality: "AF", gender: "male", dobYearsAgo: 17, dobDaysExtra: -330, minor: true,
			exploitation: []string{"forced_criminality"}, identified: 40,
			events: []demoEvent{ev(39, cases.IssueProvisionalPermit), ev(35, cases.RecordPenalization, "offence", "theft", "linked_to_exploitation", true)}},
		{shelter: "payoke", given: "Elif", nationality: "TH", gender: "female", dobYearsAgo: 35, exploitation: []string{"sexual"},
			identified: 420, events: []demoEvent{ev(415, cases.StartReflection), ev(380, cases.FileComplaint),
				ev(300, cases.ProveIdentity), ev(290, cases.ConfirmVictimStatus), ev(200, cases.FileCharges),
				ev(120, cases.RenewTemporaryPermit)}},
		{shelter: "payoke", given: "Farid", nationality: "MA", gender: "male", dobYearsAgo: 40, exploitation: []string{"labour"},
			identified: 900, events: []demoEvent{ev(890, cases.StartReflection), ev(860, cases.FileComplaint),
				ev(800, cases.ConfirmVictimStatus), ev(700, cases.FileCharges, "retains_trafficking", true),
				ev(500, cases.RecordConviction), ev(480, cases.GrantIndefiniteStay), ev(400, cases.ClaimCompensation, "route", "court")}},
		{shelter: "payoke", given: "Gabriela", nationality: "RO", gender: "female", dobYearsAgo: 22, exploitation: []string{"sexual"},
			identified: 50, events: []demoEvent{ev(49, cases.StartEUAssistance), ev(45, cases.FileComplaint)}},
		{shelter: "payoke", given: "Hoa", nationality: "CN", gender: "female", dobYearsAgo: 29, exploitation: []string{"domestic_servitude"},
			identified: 70, events: []demoEvent{ev(66, cases.StartReflection), ev(30, cases.DeclineCooperation)}},
		{shelter: "pag-asa", given: "Ibrahim", nationality: "XX", gender: "male", exploitation: []string{"labour"},
			identified: 700, events: []demoEvent{ev(690, cases.FileComplaint), ev(600, cases.ConfirmVictimStatus),
				ev(500, cases.FileCharges), ev(200, cases.DismissCase), ev(150, cases.WithdrawStatus, "reason", "dismissal"),
				ev(100, cases.ApplyHumanitarianResidence)}},
		{shelter: "pag-asa", given: "Joy", nationality: "GH", gender: "female", dobYearsAgo: 26, exploitation: []string{"sexual"},
			identified: 200, events: []demoEvent{ev(195, cases.StartReflection), ev(170, cases.FileComplaint),
				ev(150, cases.RecordDiplomaticImmunity)}},
		{shelter: "pag-asa", given: "Kemal", nationality: "AL", gender: "male", dobYearsAgo: 33, exploitation: []string{"forced_begging"},
			identified: 300, events: []demoEvent{ev(290, cases.FileComplaint), ev(250, cases.SettleWithTrafficker),
				ev(240, cases.ReturnHome)}},
		{shelter: "surya", given: "Lina", nationality: "UA", gender: "female", dobYearsAgo: 30, exploitation: []string{"labour"},
			identified: 500, events: []demoEvent{ev(495, cases.StartReflection), ev(470, cases.FileComplaint),
				ev(400, cases.ConfirmVictimStatus), ev(350, cases.FileCharges), ev(90, cases.RecordAcquittal),
				ev(60, cases.RecordContactWithTrafficker)}},
		{shelter: "surya", given: "Musa", nationality: "NG", gender: "male", dobYearsAgo: 19, exploitation: []string{"labour"},
			identified: 120, events: []demoEvent{ev(110, cases.StartReflection), ev(90, cases.LoseContact)}},
		{shelter: "surya", given: "Nadia", nationality: "IN", gender: "female", dobYearsAgo: 28, exploitation: []string{"domestic_servitude"},
			identified: 250, events: []demoEvent{ev(240, cases.StartReflection), ev(200, cases.CloseCase, "reason", "victim_request")}},
	}
}

// LoadDemo creates (or, if they exist, gives new passwords to) the demo
// users, and creates the demo cases once. Every demo case is marked
// "demo": true and its victim's given name is prefixed "DEMO".
func (a *App) LoadDemo(ctx context.Context) ([]DemoUser, error) {
	users := []DemoUser{
		{Username: "demo-caseworker", Role: auth.RoleCaseworker, Shelter: "payoke"},
		{Username: "demo-supervisor", Role: auth.RoleSupervisor, Shelter: "payoke"},
		{Username: "demo-caseworker-pagasa", Role: auth.RoleCaseworker, Shelter: "pag-asa"},
		{Username: "demo-caseworker-surya", Role: auth.RoleCaseworker, Shelter: "surya"},
		{Username: "demo-auditor", Role: auth.RoleAuditor},
		{Username: "demo-admin", Role: auth.RoleAdmin},
	}
	for i := range users {
		u := &users[i]
		u.Password = RandomPassword()
		_, err := a.Auth.CreateUser(ctx, auth.System, auth.NewUser{Username: u.Username, Password: u.Password, Role: u.Role, Shelter: u.Shelter})
		if apperr.KindOf(err) == apperr.Conflict {
			enabled := false
			_, err = a.Auth.UpdateUser(ctx, auth.System, u.Username, auth.UserPatch{Password: &u.Password, Disabled: &enabled})
		}
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}
	var n int64
	if err := a.DB.Read.WithContext(ctx).Table("cases").Where("demo = ?", true).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if n > 0 {
		return users, nil
	}
	today := eligibility.Today(a.Now())
	// Each shelter's demo caseworker opens its cases, so that they are
	// theirs (the case list starts from "my cases").
	opener := map[string]string{}
	for _, u := range users {
		if u.Role == auth.RoleCaseworker {
			opener[u.Shelter] = u.Username
		}
	}
	for i, d := range demoCases() {
		actor := auth.Actor{Username: opener[d.shelter], Role: auth.RoleCaseworker, Shelter: d.shelter}
		in := cases.NewCase{
			Victim: cases.VictimInput{GivenName: "DEMO " + d.given, FamilyName: fmt.Sprintf("Example-%02d", i+1),
				Gender: d.gender, Nationality: d.nationality, UnaccompaniedMinor: d.minor},
			Exploitation: d.exploitation, IdentifiedOn: today.AddDays(-d.identified).String(), IdentifiedBy: "police",
		}
		if d.dobYearsAgo > 0 {
			in.Victim.DateOfBirth = today.AddYears(-d.dobYearsAgo).AddDays(d.dobDaysExtra).String()
		}
		c, err := a.Cases.CreateDemo(ctx, actor, in)
		if err != nil {
			return nil, fmt.Errorf("demo case %d: %w", i+1, err)
		}
		for _, e := range d.events {
			if _, err := a.Cases.RecordEvent(ctx, actor, c.ID, cases.EventInput{Type: string(e.typ),
				OccurredOn: today.AddDays(-e.daysAgo).String(), Data: e.data}); err != nil {
				return nil, fmt.Errorf("demo case %d, %s: %w", i+1, e.typ, err)
			}
		}
	}
	return users, nil
}
