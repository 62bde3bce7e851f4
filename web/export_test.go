package web

// Exported for the external tests.
var (
	EventFieldsForTest = eventFields
	// LanguagesForTest are the UI languages.
	LanguagesForTest = languages
)

// DataFieldForTest is dataField for the external tests.
type DataFieldForTest = dataField
