package offline

// Who unlocked a store, and the roles of key files. What each role may do is decided above the
// store (internal/counter's rights table); the store records the role of a key file in its
// authenticated record, so that nobody without the data key can change it.

// Roles of a key file, chosen when it is made (ExportKeyFile) and bound into the MAC of its
// kf/<id> record. A key file never carries a supervisor's or a volunteer's role.
const (
	// KeyRoleSync sends queued dossiers (queue sync) and nothing else with personal data.
	KeyRoleSync = "sync"
	// KeyRoleReception is scripted reception: look-ups, dossier submit, batch run.
	KeyRoleReception = "reception"
	// KeyRoleSyncReception is both; key files made before roles existed (no role in their
	// record) have it.
	KeyRoleSyncReception = "sync+reception"
	// KeyRoleClerk has a counter clerk's rights (the demo's key file logs its clerk in).
	KeyRoleClerk = RoleClerk
)

// KeyRoles lists the roles a key file can have.
var KeyRoles = []string{KeyRoleSync, KeyRoleReception, KeyRoleSyncReception, KeyRoleClerk}

// ValidKeyRole reports whether r is a key-file role.
func ValidKeyRole(r string) bool {
	for _, k := range KeyRoles {
		if r == k {
			return true
		}
	}
	return false
}

// EffectiveRole is the key file's role; a record without one (made before roles existed) has
// KeyRoleSyncReception.
func (i KeyFileInfo) EffectiveRole() string {
	if i.Role == "" {
		return KeyRoleSyncReception
	}
	return i.Role
}

// Holder is who unlocked a store: an operator with a passphrase (Init, Unlock), or a key file
// (UnlockWithKeyFile) with its role. The zero Holder is an unencrypted store's: it
// authenticates nobody.
type Holder struct {
	Operator Operator // the operator whose passphrase unlocked the store
	KeyFile  string   // the key file's ID
	KeyRole  string   // the key file's role (KeyRole*)
}

// Holder returns who unlocked the store.
func (s *Store) Holder() Holder { return s.holder }
