package seed

// weighted is a value and its relative frequency.
type weighted[T any] struct {
	v T
	w int
}

// nationalityWeights follow the origins the source report names ("Foreign
// victims come primarily from Asia (including Afghanistan, China, India,
// Thailand, and Vietnam), Eastern Europe (including Albania, Hungary,
// Romania, and Ukraine), and Africa (including Morocco and Nigeria)", with
// Belgians, Brazilians and Ghanaians also named), plus a share of unknown
// (XX) nationalities.
var nationalityWeights = []weighted[string]{
	{"BE", 8}, {"RO", 9}, {"NG", 8}, {"MA", 8}, {"AL", 5}, {"HU", 4}, {"UA", 4},
	{"AF", 6}, {"CN", 5}, {"IN", 5}, {"TH", 4}, {"VN", 6}, {"BR", 5}, {"GH", 3},
	{"BG", 4}, {"ER", 3}, {"PK", 3}, {"XX", 4},
}

// exploitationWeights follow the 2024 identifications of the report (61
// labour, 29 sexual, 2 forced criminality, 13 unspecified), with the other
// forms it describes (forced begging, domestic servitude) at low rates.
var exploitationWeights = []weighted[string]{
	{"labour", 55}, {"sexual", 29}, {"forced_criminality", 5}, {"forced_begging", 2},
	{"domestic_servitude", 4}, {"unspecified", 8}, {"other", 1},
}

var identifiedByWeights = []weighted[string]{
	{"police", 45}, {"labour_inspection", 15}, {"shelter", 10}, {"asylum_centre", 10},
	{"social_services", 10}, {"self_referral", 7}, {"other", 3},
}

// names are given and family names by nationality; XX draws from all.
var names = map[string]struct{ given, family []string }{
	"BE": {[]string{"Emma", "Lucas", "Louise", "Noah", "Marie", "Arthur", "Lotte", "Wout"}, []string{"Peeters", "Janssens", "Maes", "Dubois", "Jacobs", "Lambert", "Claes"}},
	"RO": {[]string{"Andreea", "Elena", "Ionuț", "Mihai", "Ioana", "Florin"}, []string{"Popescu", "Ionescu", "Stan", "Dumitru", "Constantin"}},
	"NG": {[]string{"Grace", "Blessing", "Chinedu", "Joy", "Emeka", "Precious", "Favour"}, []string{"Okafor", "Adeyemi", "Eze", "Obi", "Nwosu", "Okonkwo"}},
	"MA": {[]string{"Fatima", "Youssef", "Khadija", "Mohamed", "Salma", "Hamza"}, []string{"El Amrani", "Benali", "Ouazzani", "Haddad", "Tahiri"}},
	"AL": {[]string{"Arben", "Elira", "Besa", "Dritan", "Jonida"}, []string{"Hoxha", "Krasniqi", "Shehu", "Leka"}},
	"HU": {[]string{"Zsófia", "László", "Bence", "Eszter", "Gábor"}, []string{"Nagy", "Kovács", "Tóth", "Szabó", "Horváth"}},
	"UA": {[]string{"Olena", "Oksana", "Dmytro", "Iryna", "Andriy"}, []string{"Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko"}},
	"AF": {[]string{"Farid", "Zahra", "Ahmad", "Mariam", "Jawad"}, []string{"Ahmadi", "Hakimi", "Noori", "Rahimi"}},
	"CN": {[]string{"Mei", "Wei", "Jing", "Xiu", "Lei"}, []string{"Wang", "Li", "Zhang", "Liu", "Chen"}},
	"IN": {[]string{"Priya", "Arjun", "Anita", "Rahul", "Sunita"}, []string{"Sharma", "Singh", "Kumar", "Patel"}},
	"TH": {[]string{"Somchai", "Nok", "Ploy", "Malee", "Anan"}, []string{"Srisai", "Chaiyaporn", "Wongsa", "Boonmee"}},
	"VN": {[]string{"Linh", "Minh", "Thao", "Huong", "Tuan"}, []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"}},
	"BR": {[]string{"Ana", "João", "Camila", "Thiago", "Larissa"}, []string{"Silva", "Santos", "Oliveira", "Souza"}},
	"GH": {[]string{"Ama", "Kwame", "Akosua", "Kofi", "Efua"}, []string{"Mensah", "Boateng", "Owusu", "Asante"}},
	"BG": {[]string{"Maria", "Georgi", "Petya", "Ivan", "Desislava"}, []string{"Ivanova", "Georgiev", "Dimitrova", "Petrov"}},
	"ER": {[]string{"Senait", "Yonas", "Helen", "Filmon", "Selam"}, []string{"Tesfay", "Gebremedhin", "Haile", "Berhane"}},
	"PK": {[]string{"Ayesha", "Bilal", "Imran", "Sana", "Usman"}, []string{"Khan", "Hussain", "Malik", "Qureshi"}},
}

var aliases = []string{"Mimi", "Lina", "Bella", "Max", "Sunny", "Rose", "Kiki", "Tom"}

// notes are neutral caseworker notes: no names, no places.
var notes = []string{
	"Met at the shelter; next appointment agreed.",
	"Accompanied to the police interview.",
	"Documents copied for the file.",
	"Interpreter present; the victim asked for more time.",
	"Medical appointment arranged.",
	"Lawyer informed of the new date.",
	"Phone call; no change.",
}

var (
	offences     = []string{"theft", "drugs", "document_fraud", "immigration", "prostitution_related", "begging", "other"}
	opinions     = []string{"victim_confirmed", "victim_confirmed", "victim_confirmed", "unclear", "not_victim"}
	compensation = []string{"court", "fund"}
	amounts      = []string{"1500.00", "2750.00", "5000.00", "12358.00", "111227.00"}
)
