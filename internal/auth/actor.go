package auth

// Role is what a user may do.
type Role string

// The roles of docs/api.md "Roles and visibility".
const (
	RoleCaseworker Role = "caseworker"
	RoleSupervisor Role = "supervisor"
	RoleAuditor    Role = "auditor"
	RoleAdmin      Role = "admin"
	// RoleSystem is the actor role of acts done by casemgr itself
	// (default shelters, demo data); no user can have it.
	RoleSystem Role = "system"
)

// Roles returns the roles a user can have.
func Roles() []Role { return []Role{RoleCaseworker, RoleSupervisor, RoleAuditor, RoleAdmin} }

// Valid reports whether r is a role a user can have.
func (r Role) Valid() bool {
	for _, v := range Roles() {
		if r == v {
			return true
		}
	}
	return false
}

// NeedsShelter reports whether users of this role belong to one shelter.
func (r Role) NeedsShelter() bool { return r == RoleCaseworker || r == RoleSupervisor }

// Actor is the authenticated caller of a service method.
type Actor struct {
	Username string
	Role     Role
	// Shelter is the caller's shelter; "" for auditors and admins.
	Shelter string
	// Session is the login session the caller's token belongs to.
	Session string
	// MustEnrol is set for a user whose role needs a second factor and
	// who has not confirmed one: he may only enrol, see who he is, and
	// log out (docs/security.md "Second factor").
	MustEnrol bool
}

// System is the actor of changes made by casemgr itself.
var System = Actor{Username: "system", Role: RoleSystem}

// Is reports whether the actor has one of the roles.
func (a Actor) Is(roles ...Role) bool {
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

// WorksOnCases reports whether the actor reads and writes case files.
func (a Actor) WorksOnCases() bool { return a.Is(RoleCaseworker, RoleSupervisor) }
