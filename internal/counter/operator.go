package counter

import "errors"

// Operator is the person serving at the counter.
type Operator struct {
	ID   string
	Name string
	Role string // offline.RoleClerk, RoleVolunteer or RoleSupervisor
}

// ErrVolunteer: a volunteer prepares declarations but cannot receive them.
var ErrVolunteer = errors.New("counter: a volunteer cannot receive a dossier")
