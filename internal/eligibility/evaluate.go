package eligibility

// Source is the passage of the seed report a flag rests on.
type Source struct {
	Document string `json:"document"` // always SourceDocument
	Section  string `json:"section"`  // always SourceSection
	Quote    string `json:"quote"`    // copied exactly from the report
}

// Flag is the outcome of one rule for one case on one date (rules.md).
type Flag struct {
	Rule           string   `json:"rule"`           // R01 … R25
	Name           string   `json:"name"`           // the rule's name
	Kind           Kind     `json:"kind"`           // risk, exposure or deadline
	Severity       Severity `json:"severity"`       // critical, high, medium or info
	AtRisk         []string `json:"at_risk"`        // AtRisk* values, in the rule's order; never nil
	Title          string   `json:"title"`          // a short English sentence
	Detail         string   `json:"detail"`         // the dates and facts that triggered the flag
	DueOn          *Date    `json:"due_on"`         // the deadline, or nil (JSON null) when none
	Basis          Basis    `json:"basis"`          // statute, practice, report or inferred
	Source         Source   `json:"source"`         // the citation into the seed report
	Recommendation string   `json:"recommendation"` // the seed's recommendation, "" when none
}

// hit is a rule that fired, before it becomes a Flag.
type hit struct {
	rule   int // index into catalogue
	kind   Kind
	sev    Severity
	due    Date // zero when the flag has no due_on
	detail string
}

// evalCtx holds the inputs of one evaluation and the facts derived once.
type evalCtx struct {
	s     *Snapshot
	asOf  Date
	set   *Settings
	eu    bool // the victim is an EU citizen
	minor bool // the victim is a minor on asOf
}

// check evaluates rule i (an index into catalogue). It fills h (kind,
// severity, due date, detail) and reports whether the rule fired; a rule
// builds its detail only when it fires. The calls are direct (no table of
// function values) so that the hit buffer stays on the stack.
func check(i int, c *evalCtx, h *hit) bool {
	switch i {
	case 0:
		return r01(c, h)
	case 1:
		return r02(c, h)
	case 2:
		return r03(c, h)
	case 3:
		return r04(c, h)
	case 4:
		return r05(c, h)
	case 5:
		return r06(c, h)
	case 6:
		return r07(c, h)
	case 7:
		return r08(c, h)
	case 8:
		return r09(c, h)
	case 9:
		return r10(c, h)
	case 10:
		return r11(c, h)
	case 11:
		return r12(c, h)
	case 12:
		return r13(c, h)
	case 13:
		return r14(c, h)
	case 14:
		return r15(c, h)
	case 15:
		return r16(c, h)
	case 16:
		return r17(c, h)
	case 17:
		return r18(c, h)
	case 18:
		return r19(c, h)
	case 19:
		return r20(c, h)
	case 20:
		return r21(c, h)
	case 21:
		return r22(c, h)
	case 22:
		return r23(c, h)
	case 23:
		return r24(c, h)
	case 24:
		return r25(c, h)
	default:
		return false
	}
}

// Evaluate applies the 25 rules of rules.md to the snapshot on the date asOf
// with the given settings. It is pure: the same inputs always give the same
// flags. At most one flag per rule (the risk form wins over the exposure
// form); flags are ordered by severity, then rule id. A closed case gives an
// empty, non-nil slice. Settings are used as given: validate them once when
// they are loaded (Settings.Validate).
func Evaluate(s Snapshot, asOf Date, set Settings) []Flag {
	if s.State == StateClosed {
		return []Flag{}
	}
	c := evalCtx{s: &s, asOf: asOf, set: &set, eu: s.EUCitizen(), minor: s.Minor(asOf)}
	var hits [len(catalogue)]hit
	n, nAtRisk, nDue := 0, 0, 0
	for i := range catalogue {
		h := &hits[n]
		if !check(i, &c, h) {
			*h = hit{}
			continue
		}
		h.rule = i
		nAtRisk += len(catalogue[i].atRisk)
		if !h.due.IsZero() {
			nDue++
		}
		n++
	}
	if n == 0 {
		return []Flag{}
	}
	found := hits[:n]
	// Insertion sort by severity, then rule id: n is at most 25 and the hits
	// are already in rule id order, so this is stable and cheap.
	for i := 1; i < len(found); i++ {
		for j := i; j > 0 && found[j].sev.Rank() < found[j-1].sev.Rank(); j-- {
			found[j], found[j-1] = found[j-1], found[j]
		}
	}
	flags := make([]Flag, n)
	atRisk := make([]string, nAtRisk)
	var dues []Date
	if nDue > 0 {
		dues = make([]Date, nDue)
	}
	for i := range found {
		h := &found[i]
		r := &catalogue[h.rule]
		k := copy(atRisk, r.atRisk)
		title := r.title
		if h.kind == KindExposure {
			title = r.exposureTitle
		}
		flags[i] = Flag{
			Rule:           r.id,
			Name:           r.name,
			Kind:           h.kind,
			Severity:       h.sev,
			AtRisk:         atRisk[:k:k],
			Title:          title,
			Detail:         h.detail,
			Basis:          r.basis,
			Source:         Source{Document: SourceDocument, Section: SourceSection, Quote: r.quote},
			Recommendation: r.rec,
		}
		atRisk = atRisk[k:]
		if !h.due.IsZero() {
			dues[0] = h.due
			flags[i].DueOn = &dues[0]
			dues = dues[1:]
		}
	}
	return flags
}

// WouldLose lists the at_risk values that appear in critical risk flags of
// after but in no critical risk flag of before (rules.md "What-if"), in the
// order residence, services, protection, compensation, child_protection.
// The result is never nil.
func WouldLose(before, after []Flag) []string {
	order := [...]string{AtRiskResidence, AtRiskServices, AtRiskProtection, AtRiskCompensation, AtRiskChildProtection}
	had := criticalRiskSet(before, &order)
	has := criticalRiskSet(after, &order)
	out := []string{}
	for i, v := range order {
		if has&(1<<i) != 0 && had&(1<<i) == 0 {
			out = append(out, v)
		}
	}
	return out
}

// criticalRiskSet returns a bit set (bit i = order[i]) of the at_risk values
// in the critical risk flags.
func criticalRiskSet(flags []Flag, order *[5]string) uint {
	var set uint
	for i := range flags {
		f := &flags[i]
		if f.Kind != KindRisk || f.Severity != SeverityCritical {
			continue
		}
		for _, v := range f.AtRisk {
			for j, o := range order {
				if v == o {
					set |= 1 << j
				}
			}
		}
	}
	return set
}

// R01: in a permit state, contact with the trafficker ongoing.
func r01(c *evalCtx, h *hit) bool {
	s := c.s
	if !s.State.InPermit() || !s.ContactWithTrafficker.Value {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityCritical
	var buf [256]byte
	b := buf[:0]
	if since := s.ContactWithTrafficker.Since; !since.IsZero() {
		b = append(b, "Contact with the trafficker was recorded on "...)
		b = appendDate(b, since)
		b = append(b, " and has not ended"...)
	} else {
		b = append(b, "Contact with the trafficker is recorded as ongoing"...)
	}
	b = append(b, " while the case is in "...)
	b = append(b, s.State...)
	b = append(b, ". Ending contact is a condition of assistance: the residence permit and services can be withdrawn."...)
	h.detail = string(b)
	return true
}

// R02: provisional or temporary permit, not cooperating.
func r02(c *evalCtx, h *hit) bool {
	s := c.s
	if (s.State != StateProvisionalPermit && s.State != StateTemporaryPermit) || s.Cooperating.Value {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityCritical
	var buf [256]byte
	b := append(buf[:0], "The victim stopped cooperating with the authorities"...)
	b = appendOn(b, s.Cooperating.Since)
	b = append(b, " while holding the "...)
	b = append(b, permitName(s.State)...)
	b = append(b, ". Relief from removal depends on taking part in the criminal proceedings: residence, services and protection can be withdrawn."...)
	h.detail = string(b)
	return true
}

// R03: in a permit state, guidance by the recognised centre ended.
func r03(c *evalCtx, h *hit) bool {
	s := c.s
	if !s.State.InPermit() || s.GuidanceActive.Value {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityHigh
	var buf [256]byte
	b := append(buf[:0], "Guidance by the recognised centre ended"...)
	b = appendOn(b, s.GuidanceActive.Since)
	b = append(b, " while the case is in "...)
	b = append(b, s.State...)
	b = append(b, ". Counselling at a shelter is a condition of assistance: services and the residence permit can be withdrawn."...)
	h.detail = string(b)
	return true
}

// R04: reflection period ending; overdue means the annex 15 has lapsed.
func r04(c *evalCtx, h *hit) bool {
	s := c.s
	if s.State != StateReflection {
		return false
	}
	due := reflectionEnd(s, *c.set)
	if due.IsZero() {
		return false
	}
	left := c.asOf.DaysUntil(due)
	h.kind, h.sev, h.due = KindDeadline, c.set.SeverityFor(left), due
	var buf [256]byte
	b := appendDeadline(buf[:0], "The reflection period (annex 15) ends on ", "The reflection period (annex 15) ended on ", due, left)
	if left < 0 {
		b = append(b, ": the annex 15 has lapsed: removal exposure."...)
	} else {
		b = append(b, ". The victim must decide by then whether to take part in the criminal proceedings."...)
	}
	h.detail = string(b)
	return true
}

// R05: provisional permit expiring without the prosecutor's confirmation;
// one level more severe once the extensions are used.
func r05(c *evalCtx, h *hit) bool {
	s := c.s
	if s.State != StateProvisionalPermit || s.ProvisionalExpiry.IsZero() {
		return false
	}
	left := c.asOf.DaysUntil(s.ProvisionalExpiry)
	sev := c.set.SeverityFor(left)
	used := s.Extensions >= c.set.ProvisionalExtensions
	if used {
		sev = sev.moreSevere()
	}
	h.kind, h.sev, h.due = KindDeadline, sev, s.ProvisionalExpiry
	var buf [256]byte
	b := appendDeadline(buf[:0], "The provisional permit expires on ", "The provisional permit expired on ", s.ProvisionalExpiry, left)
	b = append(b, " and the prosecutor has not confirmed victim status. Extensions used: "...)
	b = appendInt(b, s.Extensions)
	b = append(b, " of "...)
	b = appendInt(b, c.set.ProvisionalExtensions)
	if used {
		b = append(b, ", none left."...)
	} else {
		b = append(b, '.')
	}
	h.detail = string(b)
	return true
}

// R06: in a permit state, the prosecutor's opinion is negative.
func r06(c *evalCtx, h *hit) bool {
	s := c.s
	if !s.State.InPermit() || (s.ProsecutorOpinion != "not_victim" && s.ProsecutorOpinion != "not_trafficking") {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityCritical
	var buf [256]byte
	b := append(buf[:0], "The prosecutor's opinion"...)
	if !s.ProsecutorOpinionOn.IsZero() {
		b = append(b, " recorded on "...)
		b = appendDate(b, s.ProsecutorOpinionOn)
	}
	if s.ProsecutorOpinion == "not_victim" {
		b = append(b, " is that the person is not a victim"...)
	} else {
		b = append(b, " is that the facts are not trafficking"...)
	}
	b = append(b, ": victim status will not be confirmed, and the residence permit and services can be withdrawn."...)
	h.detail = string(b)
	return true
}

// R07: dismissal within the window after charges (risk), or a dismissal
// would end status (exposure).
func r07(c *evalCtx, h *hit) bool {
	s := c.s
	windowEnd := s.ChargesOn.AddYears(c.set.DismissalWindowYears) // zero when no charges
	if s.Proceedings == ProceedingsDismissed && s.State.InPermit() &&
		(s.ChargesOn.IsZero() || !s.DismissedOn.After(windowEnd)) {
		h.kind, h.sev = KindRisk, SeverityCritical
		var buf [256]byte
		b := buf[:0]
		if !s.ChargesOn.IsZero() {
			b = append(b, "Charges were filed on "...)
			b = appendDate(b, s.ChargesOn)
			b = append(b, " and the case was dismissed"...)
			if !s.DismissedOn.IsZero() {
				b = appendOn(b, s.DismissedOn)
				b = append(b, " ("...)
				b = appendMonthsLater(b, MonthsBetween(s.ChargesOn, s.DismissedOn))
				b = append(b, ')')
			}
		} else {
			b = append(b, "The case was dismissed"...)
			b = appendOn(b, s.DismissedOn)
			b = append(b, " before any charges were filed"...)
		}
		b = append(b, ". Victim status, the residence permit and related services are expected to be withdrawn."...)
		h.detail = string(b)
		return true
	}
	if c.eu || (s.State != StateProvisionalPermit && s.State != StateTemporaryPermit) ||
		(s.Proceedings != ProceedingsComplaintFiled && s.Proceedings != ProceedingsCharged) {
		return false
	}
	h.kind, h.sev = KindExposure, SeverityMedium
	var buf [256]byte
	b := buf[:0]
	switch {
	case s.Proceedings == ProceedingsCharged && !s.ChargesOn.IsZero():
		h.due = windowEnd
		b = append(b, "Charges were filed on "...)
		b = appendDate(b, s.ChargesOn)
		b = append(b, ": a dismissal on or before "...)
		b = appendDate(b, windowEnd)
		b = append(b, " would end victim status, the residence permit and related services."...)
	case s.Proceedings == ProceedingsCharged:
		b = append(b, "Charges were filed (date not recorded): a dismissal within "...)
		b = appendCount(b, c.set.DismissalWindowYears, "year", "years")
		b = append(b, " of the charges would end victim status, the residence permit and related services."...)
	default:
		b = append(b, "A complaint was filed"...)
		b = appendOn(b, s.ComplaintOn)
		b = append(b, " and no charges have been filed yet: a dismissal would end victim status, the residence permit and related services."...)
	}
	h.detail = string(b)
	return true
}

// R08: settlement before indictment (risk), or a settlement would end status
// (exposure).
func r08(c *evalCtx, h *hit) bool {
	s := c.s
	if !s.State.InPermit() {
		return false
	}
	if s.Proceedings == ProceedingsSettled && (s.ChargesOn.IsZero() || !s.ChargesOn.Before(s.SettledOn)) {
		h.kind, h.sev = KindRisk, SeverityCritical
		var buf [256]byte
		b := append(buf[:0], "A settlement with the trafficker was reached"...)
		b = appendOn(b, s.SettledOn)
		b = append(b, " with no charges filed before it. Victim status, the residence permit and related services are expected to be withdrawn."...)
		h.detail = string(b)
		return true
	}
	if s.Proceedings != ProceedingsComplaintFiled {
		return false
	}
	h.kind, h.sev = KindExposure, SeverityInfo
	var buf [256]byte
	b := append(buf[:0], "A complaint was filed"...)
	b = appendOn(b, s.ComplaintOn)
	b = append(b, " and no charges have been filed yet: a settlement with the trafficker before indictment would end victim status, the residence permit and related services."...)
	h.detail = string(b)
	return true
}

// R09: diplomatic immunity, in a permit state.
func r09(c *evalCtx, h *hit) bool {
	s := c.s
	if s.Proceedings != ProceedingsImmunity || !s.State.InPermit() {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityCritical
	var buf [256]byte
	b := append(buf[:0], "The alleged perpetrator has diplomatic immunity"...)
	if !s.ImmunityOn.IsZero() {
		b = append(b, " (recorded on "...)
		b = appendDate(b, s.ImmunityOn)
		b = append(b, ')')
	}
	b = append(b, ": prosecution is blocked. Victim status, the residence permit and related services can be withdrawn."...)
	h.detail = string(b)
	return true
}

// R10: provisional permit, identity not proven.
func r10(c *evalCtx, h *hit) bool {
	s := c.s
	if s.State != StateProvisionalPermit || s.IdentityProven.Value {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityMedium
	var buf [256]byte
	b := append(buf[:0], "The victim holds a provisional permit"...)
	if !s.ProvisionalExpiry.IsZero() {
		b = append(b, " (expiring on "...)
		b = appendDate(b, s.ProvisionalExpiry)
		b = append(b, ')')
	}
	b = append(b, " and identity is not proven: a passport, ID or travel document is needed for the extension and for the 6-month permit."...)
	h.detail = string(b)
	return true
}

// R11: acquittal without retained trafficking (risk), or indefinite stay
// still needs a conviction or charges retaining trafficking (exposure).
func r11(c *evalCtx, h *hit) bool {
	s := c.s
	if s.State != StateTemporaryPermit {
		return false
	}
	if s.Proceedings == ProceedingsAcquitted && !s.RetainsTrafficking {
		h.kind, h.sev = KindRisk, SeverityCritical
		var buf [256]byte
		b := append(buf[:0], "The trafficker was acquitted"...)
		b = appendOn(b, s.AcquittedOn)
		b = append(b, " and the charges did not retain trafficking: indefinite stay is out of reach and the temporary permit may not be renewed."...)
		h.detail = string(b)
		return true
	}
	if c.eu || s.Proceedings == ProceedingsConvicted || (s.Proceedings == ProceedingsCharged && s.RetainsTrafficking) {
		return false
	}
	h.kind, h.sev = KindExposure, SeverityInfo
	var buf [256]byte
	b := buf[:0]
	if s.Proceedings == ProceedingsCharged {
		b = append(b, "Charges were filed"...)
		b = appendOn(b, s.ChargesOn)
		b = append(b, " without retaining trafficking"...)
	} else {
		b = append(b, "The proceedings are \""...)
		b = append(b, s.Proceedings...)
		b = append(b, '"')
	}
	b = append(b, ": indefinite stay for a non-EU victim needs a conviction, or charges that retain trafficking."...)
	h.detail = string(b)
	return true
}

// R12: a non-EU minor whose residence rests on cooperation.
func r12(c *evalCtx, h *hit) bool {
	s := c.s
	if c.eu || !c.minor {
		return false
	}
	switch s.State {
	case StateIdentified, StateReflection, StateProvisionalPermit, StateTemporaryPermit:
	default:
		return false
	}
	noProceedings := s.Proceedings == ProceedingsNone
	if !noProceedings && s.Cooperating.Value {
		return false
	}
	h.kind, h.sev = KindExposure, SeverityHigh
	var buf [256]byte
	b := append(buf[:0], "The non-EU victim is a minor"...)
	if !s.DateOfBirth.IsZero() {
		b = append(b, " (turns 18 on "...)
		b = appendDate(b, Birthday18(s.DateOfBirth))
		b = append(b, ')')
	} else {
		b = append(b, " (unaccompanied, date of birth unknown)"...)
	}
	b = append(b, " in "...)
	b = append(b, s.State...)
	b = append(b, " and residence rests on cooperation: "...)
	if noProceedings {
		b = append(b, "no criminal proceedings have been opened"...)
		if !s.Cooperating.Value {
			b = append(b, " and "...)
		}
	}
	if !s.Cooperating.Value {
		b = append(b, "the victim stopped cooperating"...)
		b = appendOn(b, s.Cooperating.Since)
	}
	b = append(b, '.')
	h.detail = string(b)
	return true
}

// R13: unaccompanied minor, Guardianship Service not notified.
func r13(c *evalCtx, h *hit) bool {
	s := c.s
	if !s.UnaccompaniedMinor || s.GuardianshipNotified.Value || s.IdentifiedOn.IsZero() {
		return false
	}
	due := s.IdentifiedOn.AddDays(c.set.GuardianshipNotificationDays)
	left := c.asOf.DaysUntil(due)
	h.kind, h.sev, h.due = KindDeadline, c.set.SeverityFor(left), due
	var buf [256]byte
	b := append(buf[:0], "The unaccompanied minor was identified on "...)
	b = appendDate(b, s.IdentifiedOn)
	b = append(b, " and the Guardianship Service has not been notified: "...)
	b = appendDeadline(b, "notification is due on ", "notification was due on ", due, left)
	b = append(b, '.')
	h.detail = string(b)
	return true
}

// R14: a non-EU minor turns 18 within MajorityHorizonDays; at most high.
func r14(c *evalCtx, h *hit) bool {
	s := c.s
	if c.eu || !c.minor || s.DateOfBirth.IsZero() || s.State == StateIndefiniteStay || s.State == StateReturned {
		return false
	}
	due := Birthday18(s.DateOfBirth)
	left := c.asOf.DaysUntil(due)
	if left < 0 || left > c.set.MajorityHorizonDays {
		return false
	}
	sev := c.set.SeverityFor(left)
	if sev == SeverityCritical {
		sev = SeverityHigh
	}
	h.kind, h.sev, h.due = KindDeadline, sev, due
	var buf [256]byte
	b := appendDeadline(buf[:0], "The victim turns 18 on ", "The victim turned 18 on ", due, left)
	b = append(b, ": child protection ends that day and the basis of residence must be reviewed."...)
	h.detail = string(b)
	return true
}

// R15: penalization linked to the exploitation (risk), or forced
// criminality (exposure), without the non-punishment provision invoked.
func r15(c *evalCtx, h *hit) bool {
	s := c.s
	if s.NonPunishmentInvoked.Value {
		return false
	}
	var buf [256]byte
	if s.PenalizationLinked.Value {
		h.kind, h.sev = KindRisk, SeverityHigh
		b := append(buf[:0], "A penalization linked to the exploitation was recorded"...)
		b = appendOn(b, s.PenalizationLinked.Since)
		b = append(b, " and the non-punishment provision has not been invoked."...)
		h.detail = string(b)
		return true
	}
	if !hasExploitation(s.Exploitation, "forced_criminality") {
		return false
	}
	h.kind, h.sev = KindExposure, SeverityMedium
	b := append(buf[:0], "The exploitation includes forced criminality and the non-punishment provision has not been invoked: the victim may be penalized for acts committed as a direct result of being trafficked."...)
	h.detail = string(b)
	return true
}

// R16: compensation claimed without documented physical violence (risk), or
// exploitation without physical violence and no claim yet (exposure).
func r16(c *evalCtx, h *hit) bool {
	s := c.s
	if s.PhysicalViolenceDocumented.Value {
		return false
	}
	var buf [256]byte
	if s.CompensationRoute != "" {
		h.kind, h.sev = KindRisk, SeverityMedium
		b := append(buf[:0], "Compensation was claimed through "...)
		switch s.CompensationRoute {
		case "court":
			b = append(b, "the court"...)
		case "fund":
			b = append(b, "the compensation fund"...)
		default:
			b = append(b, s.CompensationRoute...)
		}
		b = appendOn(b, s.CompensationClaimedOn)
		b = append(b, " without documented physical violence: the claim may be refused."...)
		h.detail = string(b)
		return true
	}
	if len(s.Exploitation) == 0 {
		return false
	}
	for _, e := range s.Exploitation {
		if e != "labour" && e != "forced_begging" && e != "domestic_servitude" {
			return false
		}
	}
	h.kind, h.sev = KindExposure, SeverityInfo
	b := append(buf[:0], "The exploitation ("...)
	for i, e := range s.Exploitation {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, e...)
	}
	b = append(b, ") involved no documented physical violence and no compensation has been claimed: a claim would likely need physical violence to be proven."...)
	h.detail = string(b)
	return true
}

// R17: the shelter is not an official NRM provider.
func r17(c *evalCtx, h *hit) bool {
	s := c.s
	if s.ShelterOfficial {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityHigh
	var buf [256]byte
	b := buf[:0]
	if s.Shelter != "" {
		b = append(b, "The shelter \""...)
		b = append(b, s.Shelter...)
		b = append(b, "\" is not"...)
	} else {
		b = append(b, "The case's shelter is not"...)
	}
	b = append(b, " an official NRM provider: services and the residence procedure rest on the recognised centres."...)
	h.detail = string(b)
	return true
}

// R18: a non-EU victim declined the conditions.
func r18(c *evalCtx, h *hit) bool {
	s := c.s
	if c.eu || s.State != StateDeclined {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityCritical
	var buf [256]byte
	b := append(buf[:0], "The non-EU victim declined the conditions"...)
	b = appendOn(b, s.StateSince)
	b = append(b, ": there is no residence permit, only a humanitarian application (Aliens Act art. 9bis) or return."...)
	h.detail = string(b)
	return true
}

// R19: an EU citizen, not returned: the residence ladder does not apply.
func r19(c *evalCtx, h *hit) bool {
	s := c.s
	if !c.eu || s.State == StateReturned {
		return false
	}
	h.kind, h.sev = KindExposure, SeverityInfo
	var buf [256]byte
	b := append(buf[:0], "The nationality "...)
	b = append(b, s.Nationality...)
	b = append(b, " is an EU member state: the residence ladder (reflection, permits, indefinite stay) does not apply; check the entitlements to services."...)
	h.detail = string(b)
	return true
}

// R20: proceedings opened, no legal aid and not a civil party.
func r20(c *evalCtx, h *hit) bool {
	s := c.s
	if s.Proceedings == ProceedingsNone || s.Proceedings == "" || s.LegalAid.Value || s.CivilParty.Value {
		return false
	}
	h.kind, h.sev = KindExposure, SeverityMedium
	var buf [256]byte
	b := append(buf[:0], "The proceedings are \""...)
	b = append(b, s.Proceedings...)
	b = append(b, "\" and the victim has neither legal aid nor civil-party status: the costs of legal representation may stop participation and compensation."...)
	h.detail = string(b)
	return true
}

// R21: a minor reported missing and not found.
func r21(c *evalCtx, h *hit) bool {
	s := c.s
	if !c.minor || !s.Missing.Value {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityCritical
	var buf [128]byte
	b := append(buf[:0], "The minor was reported missing"...)
	b = appendOn(b, s.Missing.Since)
	b = append(b, " and has not been found."...)
	h.detail = string(b)
	return true
}

// R22: the temporary permit expiry.
func r22(c *evalCtx, h *hit) bool {
	s := c.s
	if s.State != StateTemporaryPermit || s.TemporaryExpiry.IsZero() {
		return false
	}
	left := c.asOf.DaysUntil(s.TemporaryExpiry)
	h.kind, h.sev, h.due = KindDeadline, c.set.SeverityFor(left), s.TemporaryExpiry
	var buf [256]byte
	b := appendDeadline(buf[:0], "The temporary permit expires on ", "The temporary permit expired on ", s.TemporaryExpiry, left)
	b = append(b, "; renewal needs the prosecutor to confirm that the criminal case is ongoing."...)
	h.detail = string(b)
	return true
}

// R23: a non-EU victim's status was withdrawn.
func r23(c *evalCtx, h *hit) bool {
	s := c.s
	if c.eu || s.State != StateStatusWithdrawn {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityCritical
	var buf [256]byte
	b := append(buf[:0], "Victim status was withdrawn"...)
	b = appendOn(b, s.StateSince)
	b = append(b, ": the residence permit, services and protection from removal have ended for this non-EU victim."...)
	h.detail = string(b)
	return true
}

// R24: a non-EU adult still in identified after IdentificationWarningDays.
func r24(c *evalCtx, h *hit) bool {
	s := c.s
	if c.eu || c.minor || s.State != StateIdentified || s.IdentifiedOn.IsZero() {
		return false
	}
	due := s.IdentifiedOn.AddDays(c.set.IdentificationWarningDays)
	if !c.asOf.After(due) {
		return false
	}
	sev := SeverityMedium
	if c.asOf.After(s.IdentifiedOn.AddDays(c.set.IdentificationCriticalDays)) {
		sev = SeverityCritical
	}
	h.kind, h.sev, h.due = KindDeadline, sev, due
	var buf [256]byte
	b := append(buf[:0], "The non-EU adult victim was identified on "...)
	b = appendDate(b, s.IdentifiedOn)
	b = append(b, ", "...)
	b = appendCount(b, s.IdentifiedOn.DaysUntil(c.asOf), "day", "days")
	b = append(b, " ago, and the case is still in identified: no reflection period or permit was decided by "...)
	b = appendDate(b, due)
	b = append(b, '.')
	h.detail = string(b)
	return true
}

// R25: the last renewal or extension left a gap without a valid document.
func r25(c *evalCtx, h *hit) bool {
	g := c.s.LastGap
	if g.IsZero() {
		return false
	}
	h.kind, h.sev = KindRisk, SeverityMedium
	var buf [256]byte
	b := buf[:0]
	switch g.Event {
	case "extend_provisional_permit":
		b = append(b, "The provisional permit expired on "...)
		b = appendDate(b, g.Expired)
		b = append(b, " and was extended on "...)
	case "renew_temporary_permit":
		b = append(b, "The temporary permit expired on "...)
		b = appendDate(b, g.Expired)
		b = append(b, " and was renewed on "...)
	default:
		b = append(b, "The permit expired on "...)
		b = appendDate(b, g.Expired)
		b = append(b, " and was renewed on "...)
	}
	b = appendDate(b, g.RenewedOn)
	b = append(b, ": the victim was without a valid document from "...)
	b = appendDate(b, g.Expired.AddDays(1))
	b = append(b, " to "...)
	b = appendDate(b, g.RenewedOn)
	b = append(b, '.')
	h.detail = string(b)
	return true
}

// appendOn appends " on YYYY-MM-DD" when d is known.
func appendOn(b []byte, d Date) []byte {
	if d.IsZero() {
		return b
	}
	b = append(b, " on "...)
	return appendDate(b, d)
}

// appendDeadline appends "<future>DATE (N days left)" or, once overdue,
// "<past>DATE (N days ago)"; on the day itself "(today)".
func appendDeadline(b []byte, future, past string, due Date, left int) []byte {
	if left < 0 {
		b = append(b, past...)
	} else {
		b = append(b, future...)
	}
	b = appendDate(b, due)
	b = append(b, " ("...)
	switch {
	case left == 0:
		b = append(b, "today"...)
	case left > 0:
		b = appendCount(b, left, "day", "days")
		b = append(b, " left"...)
	default:
		b = appendCount(b, -left, "day", "days")
		b = append(b, " ago"...)
	}
	return append(b, ')')
}

// appendMonthsLater appends "9 months later", "1 month later" or "less than
// a month later".
func appendMonthsLater(b []byte, months int) []byte {
	if months <= 0 {
		return append(b, "less than a month later"...)
	}
	b = appendCount(b, months, "month", "months")
	return append(b, " later"...)
}

// appendCount appends "1 day" or "N days".
func appendCount(b []byte, n int, one, many string) []byte {
	b = appendInt(b, n)
	b = append(b, ' ')
	if n == 1 {
		return append(b, one...)
	}
	return append(b, many...)
}

// permitName names the permit held in state s.
func permitName(s State) string {
	if s == StateTemporaryPermit {
		return "temporary permit"
	}
	return "provisional permit"
}

// hasExploitation reports whether list contains kind.
func hasExploitation(list []string, kind string) bool {
	for _, e := range list {
		if e == kind {
			return true
		}
	}
	return false
}
