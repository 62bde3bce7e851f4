package eligibility

// The rule set, one row per rule (docs/rules.md). A row holds everything
// about its rule: the fixed parts of its flag (name, basis, what is at
// risk, the quote and the recommendation, titles), Fires, which decides
// whether the rule fires and with which kind, severity and due date, and
// Detail, which says why in words. Adding a rule is adding a row, its
// English texts in the english catalogue below, and its tests.

// Ctx is what a rule reads: the snapshot, the date asked about, the
// settings, and the facts derived once per evaluation.
type Ctx struct {
	S     *Snapshot
	AsOf  Date
	Set   *Settings
	EU    bool // the victim is an EU citizen
	Minor bool // the victim is a minor on AsOf
}

func newCtx(s *Snapshot, asOf Date, set *Settings) Ctx {
	return Ctx{S: s, AsOf: asOf, Set: set, EU: s.EUCitizen(), Minor: s.Minor(asOf)}
}

// Finding is what a rule found when it fires: the form of the flag.
type Finding struct {
	Kind     Kind
	Severity Severity
	Due      Date   // zero when the flag has no due_on
	Form     string // a named variant whose title is in Rule.FormTitles, or ""
}

func risk(sev Severity) (Finding, bool)     { return Finding{Kind: KindRisk, Severity: sev}, true }
func exposure(sev Severity) (Finding, bool) { return Finding{Kind: KindExposure, Severity: sev}, true }
func deadline(sev Severity, due Date) (Finding, bool) {
	return Finding{Kind: KindDeadline, Severity: sev, Due: due}, true
}

// Rule is one row of the rule set.
type Rule struct {
	ID, Name       string
	Basis          Basis
	AtRisk         []string // in the order of the rules table
	Quote          string   // copied exactly from the seed report
	Recommendation string   // the report's recommendation addressing the condition
	Title          string   // the title of the risk or deadline form (or the only form)
	ExposureTitle  string   // the title of the exposure form, when the rule has one
	// FormTitles holds the titles of named variants (Finding.Form).
	FormTitles map[string]string
	// Fires reports whether the rule fires for the case on c.AsOf, and in
	// which form. It builds no text: the statistics replay calls only this.
	Fires func(c *Ctx) (Finding, bool)
	// Detail names the dates and facts that made the rule fire, so that a
	// person can check the reasoning.
	Detail func(c *Ctx, f Finding) Text
	// NextStep says what the caseworker can do now; nil means the rule's
	// one next step, the text "<ID>.next". (Recommendation, by contrast,
	// addresses the government.)
	NextStep func(c *Ctx, f Finding) Text
}

// title returns the title of the flag a finding makes.
func (r *Rule) title(f Finding) string {
	if t, ok := r.FormTitles[f.Form]; ok && f.Form != "" {
		return t
	}
	if f.Kind == KindExposure {
		return r.ExposureTitle
	}
	return r.Title
}

// nextStep returns the next step of the flag a finding makes.
func (r *Rule) nextStep(c *Ctx, f Finding) Text {
	if r.NextStep != nil {
		return r.NextStep(c, f)
	}
	return T(r.ID + ".next")
}

// tense is the key suffix of a deadline sentence: before or after it.
func tense(left int) string {
	if left < 0 {
		return ".past"
	}
	return ".future"
}

var catalogue = [...]Rule{
	{ID: "R01", Name: "contact-with-trafficker", Basis: BasisPractice,
		AtRisk: []string{AtRiskResidence, AtRiskServices}, Quote: quoteConditions, Recommendation: recServices,
		Title: "Contact with the trafficker is ongoing",
		Fires: func(c *Ctx) (Finding, bool) {
			if !c.S.State.InPermit() || !c.S.ContactWithTrafficker.Value {
				return Finding{}, false
			}
			return risk(SeverityCritical)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			if since := c.S.ContactWithTrafficker.Since; !since.IsZero() {
				return T("R01.since", since, Code(c.S.State))
			}
			return T("R01.ongoing", Code(c.S.State))
		}},
	{ID: "R02", Name: "stopped-cooperating", Basis: BasisPractice,
		AtRisk: []string{AtRiskResidence, AtRiskServices, AtRiskProtection}, Quote: quoteDeportation, Recommendation: recServices,
		Title: "The victim stopped cooperating with the authorities",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			if (s.State != StateProvisionalPermit && s.State != StateTemporaryPermit) || s.Cooperating.Value {
				return Finding{}, false
			}
			return risk(SeverityCritical)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			return T("R02."+string(c.S.State), On(c.S.Cooperating.Since))
		}},
	{ID: "R03", Name: "guidance-ended", Basis: BasisPractice,
		AtRisk: []string{AtRiskServices, AtRiskResidence}, Quote: quoteConditions, Recommendation: recServices,
		Title: "Guidance by the recognised centre ended",
		Fires: func(c *Ctx) (Finding, bool) {
			if !c.S.State.InPermit() || c.S.GuidanceActive.Value {
				return Finding{}, false
			}
			return risk(SeverityHigh)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			return T("R03", On(c.S.GuidanceActive.Since), Code(c.S.State))
		}},
	{ID: "R04", Name: "reflection-ending", Basis: BasisStatute,
		AtRisk: []string{AtRiskResidence, AtRiskProtection}, Quote: quoteReflection, Recommendation: recServices,
		Title: "The reflection period is ending",
		Fires: func(c *Ctx) (Finding, bool) {
			if c.S.State != StateReflection {
				return Finding{}, false
			}
			due := reflectionEnd(c.S, *c.Set)
			if due.IsZero() {
				return Finding{}, false
			}
			return deadline(c.Set.SeverityFor(c.AsOf.DaysUntil(due)), due)
		},
		Detail: func(c *Ctx, f Finding) Text {
			left := c.AsOf.DaysUntil(f.Due)
			return T("R04"+tense(left), f.Due, Left(left))
		}},
	{ID: "R05", Name: "provisional-permit-without-confirmation", Basis: BasisPractice,
		AtRisk: []string{AtRiskResidence}, Quote: quoteSixMonthPermit, Recommendation: recServices,
		Title: "The provisional permit expires without confirmed victim status",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			if s.State != StateProvisionalPermit || s.ProvisionalExpiry.IsZero() {
				return Finding{}, false
			}
			sev := c.Set.SeverityFor(c.AsOf.DaysUntil(s.ProvisionalExpiry))
			if s.Extensions >= c.Set.ProvisionalExtensions {
				sev = sev.moreSevere() // no extension left: one level more severe
			}
			return deadline(sev, s.ProvisionalExpiry)
		},
		Detail: func(c *Ctx, f Finding) Text {
			left := c.AsOf.DaysUntil(f.Due)
			key := "R05" + tense(left)
			if c.S.Extensions >= c.Set.ProvisionalExtensions {
				key += ".none_left"
			}
			return T(key, f.Due, Left(left), c.S.Extensions, c.Set.ProvisionalExtensions)
		}},
	{ID: "R06", Name: "prosecutor-negative-opinion", Basis: BasisPractice,
		AtRisk: []string{AtRiskResidence, AtRiskServices}, Quote: quoteSixMonthPermit, Recommendation: recServices,
		Title: "The prosecutor gave a negative opinion",
		Fires: func(c *Ctx) (Finding, bool) {
			o := c.S.ProsecutorOpinion
			if !c.S.State.InPermit() || (o != "not_victim" && o != "not_trafficking") {
				return Finding{}, false
			}
			return risk(SeverityCritical)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			if on := c.S.ProsecutorOpinionOn; !on.IsZero() {
				return T("R06.dated", on, T("R06."+c.S.ProsecutorOpinion))
			}
			return T("R06.undated", T("R06."+c.S.ProsecutorOpinion))
		}},
	{ID: "R07", Name: "dismissal-within-window", Basis: BasisReport,
		AtRisk: []string{AtRiskResidence, AtRiskServices}, Quote: quoteLoseStatus, Recommendation: recServices,
		Title:         "Case dismissed within two years of charges",
		ExposureTitle: "A dismissal would end victim status",
		FormTitles:    map[string]string{"uncharged": "Case dismissed before any charges were filed"},
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			windowEnd := s.ChargesOn.AddYears(c.Set.DismissalWindowYears) // zero when no charges
			if s.Proceedings == ProceedingsDismissed && s.State.InPermit() {
				if s.ChargesOn.IsZero() {
					f, _ := risk(SeverityCritical)
					f.Form = "uncharged" // not "within two years of charges": there were none
					return f, true
				}
				if !s.DismissedOn.After(windowEnd) {
					return risk(SeverityCritical)
				}
			}
			if c.EU || (s.State != StateProvisionalPermit && s.State != StateTemporaryPermit) ||
				(s.Proceedings != ProceedingsComplaintFiled && s.Proceedings != ProceedingsCharged) {
				return Finding{}, false
			}
			f, _ := exposure(SeverityMedium)
			if s.Proceedings == ProceedingsCharged && !s.ChargesOn.IsZero() {
				if c.AsOf.After(windowEnd) {
					return Finding{}, false // the window has passed: a dismissal no longer ends status
				}
				f.Due = windowEnd
			}
			return f, true
		},
		Detail: func(c *Ctx, f Finding) Text {
			s := c.S
			switch {
			case f.Kind == KindRisk && s.ChargesOn.IsZero():
				return T("R07.risk_uncharged", On(s.DismissedOn))
			case f.Kind == KindRisk && s.DismissedOn.IsZero():
				return T("R07.risk_charged_undated", s.ChargesOn)
			case f.Kind == KindRisk:
				return T("R07.risk_charged", s.ChargesOn, s.DismissedOn, Months(MonthsBetween(s.ChargesOn, s.DismissedOn)))
			case s.Proceedings == ProceedingsCharged && !s.ChargesOn.IsZero():
				return T("R07.exposure_charged", s.ChargesOn, f.Due)
			case s.Proceedings == ProceedingsCharged:
				return T("R07.exposure_charged_undated", Years(c.Set.DismissalWindowYears))
			default:
				return T("R07.exposure_complaint", On(s.ComplaintOn))
			}
		}},
	{ID: "R08", Name: "settlement-before-indictment", Basis: BasisReport,
		AtRisk: []string{AtRiskResidence, AtRiskServices}, Quote: quoteLoseStatus, Recommendation: recServices,
		Title:         "Case settled with the trafficker before indictment",
		ExposureTitle: "A settlement before indictment would end victim status",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			switch {
			case !s.State.InPermit():
				return Finding{}, false
			case s.Proceedings == ProceedingsSettled && (s.ChargesOn.IsZero() || !s.ChargesOn.Before(s.SettledOn)):
				return risk(SeverityCritical)
			case s.Proceedings == ProceedingsComplaintFiled:
				return exposure(SeverityInfo)
			}
			return Finding{}, false
		},
		Detail: func(c *Ctx, f Finding) Text {
			if f.Kind == KindRisk {
				return T("R08.risk", On(c.S.SettledOn))
			}
			return T("R08.exposure", On(c.S.ComplaintOn))
		}},
	{ID: "R09", Name: "diplomatic-immunity", Basis: BasisReport,
		AtRisk: []string{AtRiskResidence, AtRiskServices}, Quote: quoteLoseStatus, Recommendation: recServices,
		Title: "The alleged perpetrator has diplomatic immunity",
		Fires: func(c *Ctx) (Finding, bool) {
			if c.S.Proceedings != ProceedingsImmunity || !c.S.State.InPermit() {
				return Finding{}, false
			}
			return risk(SeverityCritical)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			if on := c.S.ImmunityOn; !on.IsZero() {
				return T("R09.dated", on)
			}
			return T("R09.undated")
		}},
	{ID: "R10", Name: "identity-not-proven", Basis: BasisPractice,
		AtRisk: []string{AtRiskResidence}, Quote: quoteDifficult, Recommendation: recServices,
		Title: "Identity is not proven for the next permit",
		Fires: func(c *Ctx) (Finding, bool) {
			if c.S.State != StateProvisionalPermit || c.S.IdentityProven.Value {
				return Finding{}, false
			}
			return risk(SeverityMedium)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			if exp := c.S.ProvisionalExpiry; !exp.IsZero() {
				return T("R10.dated", exp)
			}
			return T("R10.undated")
		}},
	{ID: "R11", Name: "indefinite-stay-needs-conviction", Basis: BasisReport,
		AtRisk: []string{AtRiskResidence}, Quote: quoteIndefinite, Recommendation: recServices,
		Title:         "Acquittal: indefinite stay is out of reach",
		ExposureTitle: "Indefinite stay needs a conviction or charges retaining trafficking",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			switch {
			case s.State != StateTemporaryPermit:
				return Finding{}, false
			case s.Proceedings == ProceedingsAcquitted && !s.RetainsTrafficking:
				return risk(SeverityCritical)
			case c.EU || IndefiniteStayOpen(s):
				return Finding{}, false
			}
			return exposure(SeverityInfo)
		},
		Detail: func(c *Ctx, f Finding) Text {
			s := c.S
			switch {
			case f.Kind == KindRisk:
				return T("R11.risk", On(s.AcquittedOn))
			case s.Proceedings == ProceedingsCharged:
				return T("R11.exposure_charged", On(s.ChargesOn))
			default:
				return T("R11.exposure", Code(s.Proceedings))
			}
		}},
	{ID: "R12", Name: "child-residence-tied-to-cooperation", Basis: BasisReport,
		AtRisk: []string{AtRiskResidence, AtRiskChildProtection}, Quote: quoteChildResidence, Recommendation: recServices,
		ExposureTitle: "The child's residence depends on cooperation",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			if c.EU || !c.Minor {
				return Finding{}, false
			}
			switch s.State {
			case StateIdentified, StateReflection, StateProvisionalPermit, StateTemporaryPermit:
			default:
				return Finding{}, false
			}
			if s.Proceedings != ProceedingsNone && s.Cooperating.Value {
				return Finding{}, false
			}
			return exposure(SeverityHigh)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			s := c.S
			who := T("R12.dob_unknown")
			if !s.DateOfBirth.IsZero() {
				who = T("R12.turns_18", Birthday18(s.DateOfBirth))
			}
			var why Text
			switch {
			case s.Proceedings == ProceedingsNone && !s.Cooperating.Value:
				why = T("R12.no_proceedings_not_cooperating", On(s.Cooperating.Since))
			case s.Proceedings == ProceedingsNone:
				why = T("R12.no_proceedings")
			default:
				why = T("R12.not_cooperating", On(s.Cooperating.Since))
			}
			return T("R12", who, Code(s.State), why)
		}},
	{ID: "R13", Name: "guardianship-not-notified", Basis: BasisReport,
		AtRisk: []string{AtRiskChildProtection}, Quote: quoteNotify, Recommendation: recIdentify,
		Title: "The Guardianship Service has not been notified",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			if !s.UnaccompaniedMinor || s.GuardianshipNotified.Value || s.IdentifiedOn.IsZero() {
				return Finding{}, false
			}
			due := s.IdentifiedOn.AddDays(c.Set.GuardianshipNotificationDays)
			return deadline(c.Set.SeverityFor(c.AsOf.DaysUntil(due)), due)
		},
		Detail: func(c *Ctx, f Finding) Text {
			left := c.AsOf.DaysUntil(f.Due)
			return T("R13"+tense(left), c.S.IdentifiedOn, f.Due, Left(left))
		}},
	{ID: "R14", Name: "turning-18", Basis: BasisInferred,
		AtRisk: []string{AtRiskChildProtection, AtRiskResidence}, Quote: quoteChildResidence, Recommendation: recServices,
		Title: "The victim turns 18 soon",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			if c.EU || !c.Minor || s.DateOfBirth.IsZero() || s.State == StateIndefiniteStay || s.State == StateReturned {
				return Finding{}, false
			}
			due := Birthday18(s.DateOfBirth)
			left := c.AsOf.DaysUntil(due)
			if left < 0 || left > c.Set.MajorityHorizonDays {
				return Finding{}, false
			}
			sev := c.Set.SeverityFor(left)
			if sev == SeverityCritical {
				sev = SeverityHigh // at most high: turning 18 is not a loss in itself
			}
			return deadline(sev, due)
		},
		Detail: func(c *Ctx, f Finding) Text {
			return T("R14", f.Due, Left(c.AsOf.DaysUntil(f.Due)))
		}},
	{ID: "R15", Name: "penalization-risk", Basis: BasisReport,
		AtRisk: []string{AtRiskProtection}, Quote: quotePenalization, Recommendation: recPenalization,
		Title:         "A penalization linked to the exploitation is recorded",
		ExposureTitle: "Forced criminality exposes the victim to penalization",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			switch {
			case s.NonPunishmentInvoked.Value:
				return Finding{}, false
			case s.PenalizationLinked.Value:
				return risk(SeverityHigh)
			case hasExploitation(s.Exploitation, "forced_criminality"):
				return exposure(SeverityMedium)
			}
			return Finding{}, false
		},
		Detail: func(c *Ctx, f Finding) Text {
			if f.Kind == KindRisk {
				return T("R15.risk", On(c.S.PenalizationLinked.Since))
			}
			return T("R15.exposure")
		}},
	{ID: "R16", Name: "compensation-needs-physical-violence", Basis: BasisReport,
		AtRisk: []string{AtRiskCompensation}, Quote: quoteCompensation, Recommendation: recRestitution,
		Title:         "Compensation claimed without documented physical violence",
		ExposureTitle: "Compensation would need proof of physical violence",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			switch {
			case s.PhysicalViolenceDocumented.Value, s.CompensationAwarded.Value:
				return Finding{}, false // documented, or awarded: nothing left at risk
			case s.CompensationRoute != "":
				return risk(SeverityMedium)
			case len(s.Exploitation) == 0:
				return Finding{}, false
			}
			for _, e := range s.Exploitation {
				if e != "labour" && e != "forced_begging" && e != "domestic_servitude" {
					return Finding{}, false
				}
			}
			return exposure(SeverityInfo)
		},
		Detail: func(c *Ctx, f Finding) Text {
			if f.Kind == KindRisk {
				return T("R16.risk", T("route."+c.S.CompensationRoute), On(c.S.CompensationClaimedOn))
			}
			return T("R16.exposure", Codes(c.S.Exploitation))
		}},
	{ID: "R17", Name: "unofficial-provider", Basis: BasisReport,
		AtRisk: []string{AtRiskServices, AtRiskResidence}, Quote: quoteOfficialShelters, Recommendation: recIdentify,
		Title: "The shelter is not an official NRM provider",
		Fires: func(c *Ctx) (Finding, bool) {
			if c.S.ShelterOfficial {
				return Finding{}, false
			}
			return risk(SeverityHigh)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			if c.S.Shelter == "" {
				return T("R17.unnamed")
			}
			return T("R17", c.S.Shelter)
		}},
	{ID: "R18", Name: "declined-conditions", Basis: BasisReport,
		AtRisk: []string{AtRiskResidence, AtRiskProtection}, Quote: quoteDeclined, Recommendation: recServices,
		Title: "Conditions declined: no residence permit",
		Fires: func(c *Ctx) (Finding, bool) {
			if c.EU || c.S.State != StateDeclined {
				return Finding{}, false
			}
			return risk(SeverityCritical)
		},
		Detail: func(c *Ctx, _ Finding) Text { return T("R18", On(c.S.StateSince)) }},
	{ID: "R19", Name: "eu-citizen-procedure", Basis: BasisInferred,
		AtRisk: []string{AtRiskServices}, Quote: quotePermanentResidency, Recommendation: recServices,
		ExposureTitle: "EU citizen: the residence ladder does not apply",
		Fires: func(c *Ctx) (Finding, bool) {
			if !c.EU || c.S.State == StateReturned {
				return Finding{}, false
			}
			return exposure(SeverityInfo)
		},
		Detail: func(c *Ctx, _ Finding) Text { return T("R19", c.S.Nationality) }},
	{ID: "R20", Name: "legal-costs-barrier", Basis: BasisReport,
		AtRisk: []string{AtRiskCompensation}, Quote: quoteLegalCosts, Recommendation: recVictimWitness,
		ExposureTitle: "Legal costs may block participation and compensation",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			if (s.Proceedings != ProceedingsComplaintFiled && s.Proceedings != ProceedingsCharged) || s.LegalAid.Value || s.CivilParty.Value {
				return Finding{}, false
			}
			return exposure(SeverityMedium)
		},
		Detail: func(c *Ctx, _ Finding) Text { return T("R20", Code(c.S.Proceedings)) }},
	{ID: "R21", Name: "missing-child", Basis: BasisReport,
		AtRisk: []string{AtRiskChildProtection}, Quote: quoteMissing, Recommendation: recIdentify,
		Title: "A child is missing",
		Fires: func(c *Ctx) (Finding, bool) {
			if !c.Minor || !c.S.Missing.Value {
				return Finding{}, false
			}
			return risk(SeverityCritical)
		},
		Detail: func(c *Ctx, _ Finding) Text { return T("R21", On(c.S.Missing.Since)) }},
	{ID: "R22", Name: "permit-renewal", Basis: BasisPractice,
		AtRisk: []string{AtRiskResidence}, Quote: quoteSixMonthPermit, Recommendation: recServices,
		Title: "The temporary permit must be renewed",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			if s.State != StateTemporaryPermit || s.TemporaryExpiry.IsZero() {
				return Finding{}, false
			}
			return deadline(c.Set.SeverityFor(c.AsOf.DaysUntil(s.TemporaryExpiry)), s.TemporaryExpiry)
		},
		Detail: func(c *Ctx, f Finding) Text {
			left := c.AsOf.DaysUntil(f.Due)
			return T("R22"+tense(left), f.Due, Left(left))
		}},
	{ID: "R23", Name: "status-lost", Basis: BasisReport,
		AtRisk: []string{AtRiskResidence, AtRiskServices, AtRiskProtection}, Quote: quoteLoseStatus, Recommendation: recServices,
		Title: "Victim status was withdrawn",
		Fires: func(c *Ctx) (Finding, bool) {
			if c.EU || c.S.State != StateStatusWithdrawn {
				return Finding{}, false
			}
			return risk(SeverityCritical)
		},
		Detail: func(c *Ctx, _ Finding) Text { return T("R23", On(c.S.StateSince)) }},
	{ID: "R24", Name: "no-decision-after-identification", Basis: BasisReport,
		AtRisk: []string{AtRiskResidence}, Quote: quoteShelterCapacity, Recommendation: recIdentify,
		Title: "No decision since identification",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			if c.EU || c.Minor || s.State != StateIdentified || s.IdentifiedOn.IsZero() {
				return Finding{}, false
			}
			due := s.IdentifiedOn.AddDays(c.Set.IdentificationWarningDays)
			if !c.AsOf.After(due) {
				return Finding{}, false // shown only once the due date has passed
			}
			if c.AsOf.After(s.IdentifiedOn.AddDays(c.Set.IdentificationCriticalDays)) {
				return deadline(SeverityCritical, due)
			}
			return deadline(SeverityMedium, due)
		},
		Detail: func(c *Ctx, f Finding) Text {
			on := c.S.IdentifiedOn
			return T("R24", on, Days(on.DaysUntil(c.AsOf)), f.Due)
		}},
	{ID: "R25", Name: "permit-gap", Basis: BasisPractice,
		AtRisk: []string{AtRiskResidence}, Quote: quoteSixMonthPermit, Recommendation: recServices,
		Title: "The victim was left without a valid permit",
		Fires: func(c *Ctx) (Finding, bool) {
			if c.S.LastGap.IsZero() {
				return Finding{}, false
			}
			return risk(SeverityMedium)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			g := c.S.LastGap
			key := "R25"
			switch g.Event {
			case "extend_provisional_permit", "renew_temporary_permit":
				key += "." + g.Event
			}
			return T(key, g.Expired, g.RenewedOn, g.Expired.AddDays(1))
		}},
	{ID: "R26", Name: "child-treated-as-offender", Basis: BasisReport,
		AtRisk: []string{AtRiskProtection, AtRiskChildProtection}, Quote: quoteNonPunishment, Recommendation: recPenalization,
		Title: "A child of forced criminality is treated as an offender",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			if !c.Minor || !s.PenalizationRecorded.Value || !hasExploitation(s.Exploitation, "forced_criminality") {
				return Finding{}, false
			}
			switch {
			case !s.NonPunishmentInvoked.Value, s.NonPunishmentOutcome == "refused":
			case s.NonPunishmentOutcome == "pending" && c.AsOf.After(s.NonPunishmentOn.AddDays(c.Set.NonPunishmentPendingDays)):
			default:
				return Finding{}, false
			}
			return risk(SeverityCritical)
		},
		Detail: func(c *Ctx, _ Finding) Text {
			s := c.S
			switch {
			case !s.NonPunishmentInvoked.Value:
				return T("R26.not_invoked", On(s.PenalizationRecorded.Since))
			case s.NonPunishmentOutcome == "refused":
				return T("R26.refused", On(s.PenalizationRecorded.Since), On(s.NonPunishmentOn))
			default:
				return T("R26.pending", On(s.PenalizationRecorded.Since), s.NonPunishmentOn, Days(s.NonPunishmentOn.DaysUntil(c.AsOf)))
			}
		}},
	{ID: "R27", Name: "rights-not-explained", Basis: BasisReport,
		AtRisk: []string{AtRiskServices}, Quote: quoteShelterCapacity, Recommendation: recIdentify,
		Title: "The victim has not been informed of their rights",
		Fires: func(c *Ctx) (Finding, bool) {
			s := c.S
			switch {
			case s.InformedOfRights.Value, s.IdentifiedOn.IsZero():
				return Finding{}, false
			case s.State == StateClosed, s.State == StateReturned, s.State == StateLeftProcedure:
				return Finding{}, false
			}
			due := s.IdentifiedOn.AddDays(c.Set.RightsInformationDays)
			if c.AsOf.After(due.AddDays(c.Set.RightsCriticalOverdueDays)) {
				return deadline(SeverityCritical, due)
			}
			return deadline(SeverityMedium, due)
		},
		Detail: func(c *Ctx, f Finding) Text {
			left := c.AsOf.DaysUntil(f.Due)
			return T("R27"+tense(left), c.S.IdentifiedOn, f.Due, Left(left))
		}},
}

// IndefiniteStayOpen reports whether indefinite stay can be granted on
// the proceedings: after a conviction, or after charges that retain
// trafficking (whether the trial is pending or ended in an acquittal: the
// report grants it "if authorities were able to bring formal charges").
// grant_indefinite_stay's guard and rule R11 both read it.
func IndefiniteStayOpen(s *Snapshot) bool {
	switch s.Proceedings {
	case ProceedingsConvicted:
		return true
	case ProceedingsCharged, ProceedingsAcquitted:
		return s.RetainsTrafficking
	}
	return false
}

// english is the English catalogue of the rules' texts: {n} stands for the
// n-th argument of the Text.
var english = map[string]string{
	"R01.since":   "Contact with the trafficker was recorded on {1} and has not ended while the case is in {2}. Ending contact is a condition of assistance: the residence permit and services can be withdrawn.",
	"R01.ongoing": "Contact with the trafficker is recorded as ongoing while the case is in {1}. Ending contact is a condition of assistance: the residence permit and services can be withdrawn.",

	"R02.provisional_permit": "The victim stopped cooperating with the authorities{1} while holding the provisional permit. Relief from removal depends on taking part in the criminal proceedings: residence, services and protection can be withdrawn.",
	"R02.temporary_permit":   "The victim stopped cooperating with the authorities{1} while holding the temporary permit. Relief from removal depends on taking part in the criminal proceedings: residence, services and protection can be withdrawn.",

	"R03": "Guidance by the recognised centre ended{1} while the case is in {2}. Counselling at a shelter is a condition of assistance: services and the residence permit can be withdrawn.",

	"R04.future": "The reflection period (annex 15) ends on {1} ({2}). The victim must decide by then whether to take part in the criminal proceedings.",
	"R04.past":   "The reflection period (annex 15) ended on {1} ({2}): the annex 15 has lapsed: removal exposure.",

	"R05.future":           "The provisional permit expires on {1} ({2}) and the prosecutor has not confirmed victim status. Extensions used: {3} of {4}.",
	"R05.past":             "The provisional permit expired on {1} ({2}) and the prosecutor has not confirmed victim status. Extensions used: {3} of {4}.",
	"R05.future.none_left": "The provisional permit expires on {1} ({2}) and the prosecutor has not confirmed victim status. Extensions used: {3} of {4}, none left.",
	"R05.past.none_left":   "The provisional permit expired on {1} ({2}) and the prosecutor has not confirmed victim status. Extensions used: {3} of {4}, none left.",

	"R06.dated":           "The prosecutor's opinion recorded on {1} is that {2}: victim status will not be confirmed, and the residence permit and services can be withdrawn.",
	"R06.undated":         "The prosecutor's opinion is that {1}: victim status will not be confirmed, and the residence permit and services can be withdrawn.",
	"R06.not_victim":      "the person is not a victim",
	"R06.not_trafficking": "the facts are not trafficking",

	"R07.risk_charged":             "Charges were filed on {1} and the case was dismissed on {2} ({3} later). Victim status, the residence permit and related services are expected to be withdrawn.",
	"R07.risk_charged_undated":     "Charges were filed on {1} and the case was dismissed. Victim status, the residence permit and related services are expected to be withdrawn.",
	"R07.risk_uncharged":           "The case was dismissed{1} before any charges were filed. Victim status, the residence permit and related services are expected to be withdrawn.",
	"R07.exposure_charged":         "Charges were filed on {1}: a dismissal on or before {2} would end victim status, the residence permit and related services.",
	"R07.exposure_charged_undated": "Charges were filed (date not recorded): a dismissal within {1} of the charges would end victim status, the residence permit and related services.",
	"R07.exposure_complaint":       "A complaint was filed{1} and no charges have been filed yet: a dismissal would end victim status, the residence permit and related services.",

	"R08.risk":     "A settlement with the trafficker was reached{1} with no charges filed before it. Victim status, the residence permit and related services are expected to be withdrawn.",
	"R08.exposure": "A complaint was filed{1} and no charges have been filed yet: a settlement with the trafficker before indictment would end victim status, the residence permit and related services.",

	"R09.dated":   "The alleged perpetrator has diplomatic immunity (recorded on {1}): prosecution is blocked. Victim status, the residence permit and related services can be withdrawn.",
	"R09.undated": "The alleged perpetrator has diplomatic immunity: prosecution is blocked. Victim status, the residence permit and related services can be withdrawn.",

	"R10.dated":   "The victim holds a provisional permit (expiring on {1}) and identity is not proven: a passport, ID or travel document is needed for the extension and for the 6-month permit.",
	"R10.undated": "The victim holds a provisional permit and identity is not proven: a passport, ID or travel document is needed for the extension and for the 6-month permit.",

	"R11.risk":             "The trafficker was acquitted{1} and the charges did not retain trafficking: indefinite stay is out of reach and the temporary permit may not be renewed.",
	"R11.exposure_charged": "Charges were filed{1} without retaining trafficking: indefinite stay for a non-EU victim needs a conviction, or charges that retain trafficking.",
	"R11.exposure":         "The proceedings are \"{1}\": indefinite stay for a non-EU victim needs a conviction, or charges that retain trafficking.",

	"R12":                                "The non-EU victim is a minor ({1}) in {2} and residence rests on cooperation: {3}.",
	"R12.turns_18":                       "turns 18 on {1}",
	"R12.dob_unknown":                    "unaccompanied, date of birth unknown",
	"R12.no_proceedings":                 "no criminal proceedings have been opened",
	"R12.not_cooperating":                "the victim stopped cooperating{1}",
	"R12.no_proceedings_not_cooperating": "no criminal proceedings have been opened and the victim stopped cooperating{1}",

	"R13.future": "The unaccompanied minor was identified on {1} and the Guardianship Service has not been notified: notification is due on {2} ({3}).",
	"R13.past":   "The unaccompanied minor was identified on {1} and the Guardianship Service has not been notified: notification was due on {2} ({3}).",

	"R14": "The victim turns 18 on {1} ({2}): child protection ends that day and the basis of residence must be reviewed.",

	"R15.risk":     "A penalization linked to the exploitation was recorded{1} and the non-punishment provision has not been invoked.",
	"R15.exposure": "The exploitation includes forced criminality and the non-punishment provision has not been invoked: the victim may be penalized for acts committed as a direct result of being trafficked.",

	"R16.risk":     "Compensation was claimed through {1}{2} without documented physical violence: the claim may be refused.",
	"R16.exposure": "The exploitation ({1}) involved no documented physical violence and no compensation has been claimed: a claim would likely need physical violence to be proven.",
	"route.court":  "the court",
	"route.fund":   "the compensation fund",

	"R17":         "The shelter \"{1}\" is not an official NRM provider: services and the residence procedure rest on the recognised centres.",
	"R17.unnamed": "The case's shelter is not an official NRM provider: services and the residence procedure rest on the recognised centres.",

	"R18": "The non-EU victim declined the conditions{1}: there is no residence permit, only a humanitarian application (Aliens Act art. 9bis) or return.",
	"R19": "The nationality {1} is an EU member state: the residence ladder (reflection, permits, indefinite stay) does not apply; check the entitlements to services.",
	"R20": "The proceedings are \"{1}\" and the victim has neither legal aid nor civil-party status: the costs of legal representation may stop participation and compensation.",
	"R21": "The minor was reported missing{1} and has not been found.",

	"R22.future": "The temporary permit expires on {1} ({2}); renewal needs the prosecutor to confirm that the criminal case is ongoing.",
	"R22.past":   "The temporary permit expired on {1} ({2}); renewal needs the prosecutor to confirm that the criminal case is ongoing.",

	"R23": "Victim status was withdrawn{1}: the residence permit, services and protection from removal have ended for this non-EU victim.",
	"R24": "The non-EU adult victim was identified on {1}, {2} ago, and the case is still in identified: no reflection period or permit was decided by {3}.",

	"R26.not_invoked": "The child, a victim of forced criminality, has a penalization recorded{1} and the non-punishment provision has not been invoked.",
	"R26.refused":     "The child, a victim of forced criminality, has a penalization recorded{1} and the non-punishment provision was refused{2}.",
	"R26.pending":     "The child, a victim of forced criminality, has a penalization recorded{1}; the non-punishment provision was invoked on {2}, {3} ago, and no outcome is recorded.",

	"R27.future": "The victim was identified on {1} and has not been informed of their rights to NRM services, the reflection period and the permits: due on {2} ({3}).",
	"R27.past":   "The victim was identified on {1} and has not been informed of their rights to NRM services, the reflection period and the permits: due on {2} ({3}).",

	"R01.next": "Talk with the victim about ending contact, record \"Contact with the trafficker ended\" when it ends, and document any pressure from the trafficker.",
	"R02.next": "Find out why cooperation stopped (fear, threats, no lawyer) and record \"Cooperating again\" if it resumes; ask the lawyer about protection without cooperation.",
	"R03.next": "Arrange guidance with a recognised centre again and record \"Guidance resumed\".",
	"R04.next": "Meet the victim before the end of the reflection period to record the decision: \"Complaint or statements filed\" or \"Declined the conditions\".",
	"R05.next": "Ask the prosecutor to confirm victim status before the expiry, or record \"Provisional permit extended\" if an extension is left.",
	"R06.next": "Ask the lawyer to contest the opinion and gather evidence of the exploitation; prepare a humanitarian application.",
	"R07.next": "Ask the prosecutor about the state of the case and keep evidence of cooperation; prepare a humanitarian application in case of dismissal.",
	"R08.next": "Tell the victim's lawyer that a settlement before indictment would end the status.",
	"R09.next": "Ask the lawyer about other routes to residence (humanitarian application) and keep the victim's services going.",
	"R10.next": "Help the victim obtain a passport, ID or travel document and record \"Identity proven\".",
	"R11.next": "Ask the prosecutor whether the charges retain trafficking, and prepare the grant of indefinite stay when they do.",
	"R12.next": "Ask the guardian and the lawyer to seek residence on the child's best interest, not on cooperation.",
	"R13.next": "Notify the Guardianship Service today and record \"Guardianship Service notified\".",
	"R14.next": "Review the basis of residence with the guardian and the lawyer before the 18th birthday.",
	"R15.next": "Ask the lawyer to invoke the non-punishment provision and record \"Non-punishment invoked\".",
	"R16.next": "Document any physical violence for the claim, or prepare the claim on the other harms with the lawyer.",
	"R17.next": "Refer the victim to one of the three recognised centres for the NRM procedure.",
	"R18.next": "Explain the humanitarian application (Aliens Act art. 9bis) and the assistance still available; record \"Humanitarian residence applied for\" if filed.",
	"R19.next": "Check the EU citizen's entitlements to services and residence under EU law.",
	"R20.next": "Apply for legal aid (record \"Legal aid granted\") or help the victim join as a civil party.",
	"R21.next": "Report the disappearance to the police and the Guardianship Service now; record \"Found again\" when the child is found.",
	"R22.next": "Ask the prosecutor to confirm that the criminal case is ongoing and file the renewal before the expiry.",
	"R23.next": "Ask the lawyer about an appeal or a humanitarian application, and keep the victim's services going.",
	"R24.next": "Record the start of the reflection period (\"Start the reflection period\") or the victim's decision (\"Complaint or statements filed\" or \"Declined the conditions\").",
	"R25.next": "File renewals before the expiry; check with the lawyer what the gap without a document may cost.",
	"R26.next": "Ask the lawyer and the guardian to have the non-punishment provision applied, and record its outcome with \"Non-punishment invoked\".",
	"R27.next": "Explain the rights to NRM services, the reflection period and the permits in a language the victim understands, and record \"Informed of their rights\".",

	"R25":                           "The permit expired on {1} and was renewed on {2}: the victim was without a valid document from {3} to {2}.",
	"R25.extend_provisional_permit": "The provisional permit expired on {1} and was extended on {2}: the victim was without a valid document from {3} to {2}.",
	"R25.renew_temporary_permit":    "The temporary permit expired on {1} and was renewed on {2}: the victim was without a valid document from {3} to {2}.",
}
