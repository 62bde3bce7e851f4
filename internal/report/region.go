package report

// Region names of the report's by_region breakdown.
const (
	regionAfrica   = "africa"
	regionAmericas = "americas"
	regionAsia     = "asia"
	regionEurope   = "europe"
	regionOceania  = "oceania"
	regionUnknown  = "unknown"
)

// Regions lists the regions of the by_region breakdown in the order the
// report uses: the five UN M49 regions, then unknown.
var Regions = []string{regionAfrica, regionAmericas, regionAsia, regionEurope, regionOceania, regionUnknown}

// Region returns the UN M49 region (africa, americas, asia, europe or
// oceania) of an ISO 3166-1 alpha-2 country code in upper case. It covers
// the 249 officially assigned codes and XK (Kosovo, Southern Europe in
// common use). Territories follow M49: for example IO and TF are in Africa,
// BV and GS in the Americas, CX, CC, HM and UM in Oceania, TW in Asia.
//
// Region returns unknown for XX (casemgr's unknown nationality), for the
// empty string, for a lower-case or unassigned code, and for AQ: M49 puts
// Antarctica in no region and nobody holds its nationality, so a victim
// recorded with AQ is counted under unknown rather than in an invented
// region.
func Region(iso string) string {
	switch iso {
	case
		// Northern Africa.
		"DZ", "EG", "EH", "LY", "MA", "SD", "TN",
		// Eastern Africa.
		"BI", "DJ", "ER", "ET", "IO", "KE", "KM", "MG", "MU", "MW", "MZ",
		"RE", "RW", "SC", "SO", "SS", "TF", "TZ", "UG", "YT", "ZM", "ZW",
		// Middle Africa.
		"AO", "CD", "CF", "CG", "CM", "GA", "GQ", "ST", "TD",
		// Southern Africa.
		"BW", "LS", "NA", "SZ", "ZA",
		// Western Africa.
		"BF", "BJ", "CI", "CV", "GH", "GM", "GN", "GW", "LR", "ML", "MR",
		"NE", "NG", "SH", "SL", "SN", "TG":
		return regionAfrica
	case
		// Caribbean.
		"AG", "AI", "AW", "BB", "BL", "BQ", "BS", "CU", "CW", "DM", "DO",
		"GD", "GP", "HT", "JM", "KN", "KY", "LC", "MF", "MQ", "MS", "PR",
		"SX", "TC", "TT", "VC", "VG", "VI",
		// Central America.
		"BZ", "CR", "GT", "HN", "MX", "NI", "PA", "SV",
		// South America.
		"AR", "BO", "BR", "BV", "CL", "CO", "EC", "FK", "GF", "GS", "GY",
		"PE", "PY", "SR", "UY", "VE",
		// Northern America.
		"BM", "CA", "GL", "PM", "US":
		return regionAmericas
	case
		// Central Asia.
		"KG", "KZ", "TJ", "TM", "UZ",
		// Eastern Asia.
		"CN", "HK", "JP", "KP", "KR", "MN", "MO", "TW",
		// South-eastern Asia.
		"BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "TL", "VN",
		// Southern Asia.
		"AF", "BD", "BT", "IN", "IR", "LK", "MV", "NP", "PK",
		// Western Asia.
		"AE", "AM", "AZ", "BH", "CY", "GE", "IL", "IQ", "JO", "KW", "LB",
		"OM", "PS", "QA", "SA", "SY", "TR", "YE":
		return regionAsia
	case
		// Eastern Europe.
		"BG", "BY", "CZ", "HU", "MD", "PL", "RO", "RU", "SK", "UA",
		// Northern Europe.
		"AX", "DK", "EE", "FI", "FO", "GB", "GG", "IE", "IM", "IS", "JE",
		"LT", "LV", "NO", "SE", "SJ",
		// Southern Europe.
		"AD", "AL", "BA", "ES", "GI", "GR", "HR", "IT", "ME", "MK", "MT",
		"PT", "RS", "SI", "SM", "VA", "XK",
		// Western Europe.
		"AT", "BE", "CH", "DE", "FR", "LI", "LU", "MC", "NL":
		return regionEurope
	case
		// Australia and New Zealand.
		"AU", "CC", "CX", "HM", "NF", "NZ",
		// Melanesia.
		"FJ", "NC", "PG", "SB", "VU",
		// Micronesia.
		"FM", "GU", "KI", "MH", "MP", "NR", "PW", "UM",
		// Polynesia.
		"AS", "CK", "NU", "PF", "PN", "TK", "TO", "TV", "WF", "WS":
		return regionOceania
	}
	return regionUnknown
}
