package eligibility

// The titles of the flags as message keys, for user interfaces that show
// them in another language (docs/rules.md "Texts"): a flag carries its
// title in English only, so TitleKey finds the key of that title in its
// rule's row.

// Title keys: "rule.<ID>.title" for Rule.Title, "rule.<ID>.exposure_title"
// for Rule.ExposureTitle, "rule.<ID>.title.<form>" for Rule.FormTitles.
func titleKey(id, which string) string { return "rule." + id + "." + which }

// TitleKeys returns every title of the rule set by its key, in English.
func TitleKeys() map[string]string {
	out := map[string]string{}
	for i := range catalogue {
		r := &catalogue[i]
		if r.Title != "" {
			out[titleKey(r.ID, "title")] = r.Title
		}
		if r.ExposureTitle != "" {
			out[titleKey(r.ID, "exposure_title")] = r.ExposureTitle
		}
		for form, t := range r.FormTitles {
			out[titleKey(r.ID, "title."+form)] = t
		}
	}
	return out
}

// TitleKey returns the key of a flag's title, or "" when the flag's title
// is not one of its rule's (a flag built elsewhere).
func TitleKey(f Flag) string {
	for i := range catalogue {
		r := &catalogue[i]
		if r.ID != f.Rule {
			continue
		}
		for form, t := range r.FormTitles {
			if t == f.Title {
				return titleKey(r.ID, "title."+form)
			}
		}
		switch {
		case f.Kind == KindExposure && r.ExposureTitle == f.Title:
			return titleKey(r.ID, "exposure_title")
		case r.Title == f.Title:
			return titleKey(r.ID, "title")
		case r.ExposureTitle == f.Title:
			return titleKey(r.ID, "exposure_title")
		}
		return ""
	}
	return ""
}
