package counter

import "errors"

// Operator is who acts through the counter: a person serving at the counter, or a key file
// (ID "keyfile:<id>") running unattended. Front ends get it from Service.Who or Office.Who;
// the use cases take their rights from the store's authenticated records (see guard in
// rights.go), not from Role.
type Operator struct {
	ID   string
	Name string
	Role string // the person's role: offline.RoleClerk, RoleVolunteer or RoleSupervisor ("" for a key file alone)
	// KeyRole is the role of the key file that unlocked the store (offline.KeyRole*), empty
	// after a passphrase: the operator then has only what both roles allow.
	KeyRole string
}

// ErrVolunteer says a volunteer prepares declarations but cannot receive them.
var ErrVolunteer = errors.New("counter: a volunteer cannot receive a dossier")
