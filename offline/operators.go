package offline

import (
	"bytes"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Roles of an operator. The store does not enforce them: the caller checks the role before
// calling AddOperator, ExportAudit and the like.
const (
	RoleClerk      = "clerk"
	RoleVolunteer  = "volunteer"
	RoleSupervisor = "supervisor"
)

// Errors of the operator and key-file functions. ClerkMessage turns them into Vietnamese.
var (
	// ErrBadPassphrase: wrong passphrase or unknown operator ID (the same error for both).
	ErrBadPassphrase = errors.New("offline: wrong operator ID or passphrase")
	// ErrOperatorDisabled: the operator was disabled by a supervisor.
	ErrOperatorDisabled = errors.New("offline: operator disabled")
	// ErrLocked: the store is encrypted; Open cannot read it (use Unlock or UnlockWithKeyFile).
	ErrLocked = errors.New("offline: store is encrypted and locked")
	// ErrNoStore: Unlock found no data file in the directory.
	ErrNoStore = errors.New("offline: no store in this directory")
	// ErrNotEncrypted: Unlock found an unencrypted store (Init encrypts it), or an operator
	// function was called on an unencrypted store.
	ErrNotEncrypted = errors.New("offline: store is not encrypted")
	// ErrAlreadyInitialized: Init found a store that already has operators.
	ErrAlreadyInitialized = errors.New("offline: store already encrypted")
	// ErrOperatorExists: AddOperator with an ID already used (a disabled one too).
	ErrOperatorExists = errors.New("offline: operator ID already used")
	// ErrNoOperator: the operator ID is not in the store.
	ErrNoOperator = errors.New("offline: no such operator")
	// ErrWeakPassphrase: the passphrase is shorter than MinPassphraseRunes.
	ErrWeakPassphrase = errors.New("offline: passphrase too short")
	// ErrLastSupervisor: disabling the only enabled supervisor would leave nobody to manage.
	ErrLastSupervisor = errors.New("offline: last enabled supervisor")
	// ErrInvalidOperator: bad ID, name or role.
	ErrInvalidOperator = errors.New("offline: invalid operator")
)

// Operator is a person who works with the store. It holds no citizen's data.
type Operator struct {
	ID         string    `json:"id"`   // 1 to 32 ASCII letters, digits, '.', '_', '-'
	Name       string    `json:"name"` // display name (NFC)
	Role       string    `json:"role"` // Role*
	CreatedAt  time.Time `json:"createdAt"`
	Disabled   bool      `json:"disabled,omitempty"`
	DisabledAt time.Time `json:"disabledAt,omitzero"`
}

// operatorRecord is what the meta bucket holds under "op/<id>": the operator, the argon2id
// salt and costs, the operator's holder key (holders.go: the private key wrapped under the
// passphrase's key with AES-256-GCM, the public key, the data key sealed to it), and a MAC
// under a key derived from the data key over all of it. A disabled operator keeps no key.
// Records written before holder keys existed hold Wrapped (the data key wrapped under the
// passphrase's key) instead; Unlock replaces it with a holder key.
type operatorRecord struct {
	Operator
	KDF     KDFParams `json:"kdf"`
	Salt    []byte    `json:"salt,omitempty"`
	Wrapped []byte    `json:"wrapped,omitempty"` // before holder keys
	// Holder key (key rotation): see holders.go.
	Priv   []byte `json:"priv,omitempty"`
	Pub    []byte `json:"pub,omitempty"`
	Sealed []byte `json:"sealed,omitempty"`
	MAC    []byte `json:"mac,omitempty"`
}

const metaOpPrefix = "op/"

func opKey(id string) []byte { return []byte(metaOpPrefix + id) }

func wrapAD(storeID []byte, kind, id string) []byte {
	ad := append([]byte("motcua/wrap/v1\x00"+kind+"\x00"), storeID...)
	return append(append(ad, 0), id...)
}

func validOperatorID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '.' && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// checkOperator validates and normalises op (Name to NFC, CreatedAt to now in UTC).
func checkOperator(op Operator, now time.Time) (Operator, error) {
	if !validOperatorID(op.ID) {
		return op, fmt.Errorf("%w: ID %q (1 to 32 letters, digits, '.', '_', '-')", ErrInvalidOperator, op.ID)
	}
	op.Name = norm.NFC.String(strings.TrimSpace(op.Name))
	if op.Name == "" || utf8.RuneCountInString(op.Name) > 100 || strings.IndexFunc(op.Name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return op, fmt.Errorf("%w: name of %s empty, too long or not printable", ErrInvalidOperator, op.ID)
	}
	switch op.Role {
	case RoleClerk, RoleVolunteer, RoleSupervisor:
	default:
		return op, fmt.Errorf("%w: role %q", ErrInvalidOperator, op.Role)
	}
	op.CreatedAt = now.UTC().Round(0)
	op.Disabled, op.DisabledAt = false, time.Time{}
	return op, nil
}

func (r operatorRecord) canonical() []byte {
	r.MAC = nil
	b, _ := json.Marshal(r) // a struct of plain fields: cannot fail
	return b
}

// newWrap derives the passphrase key (slow: call it outside any unit of work).
type passWrap struct {
	kdf  KDFParams
	salt []byte
	kek  []byte
}

func newPassWrap(passphrase string, p KDFParams) (passWrap, error) {
	if err := checkPassphrase(passphrase); err != nil {
		return passWrap{}, err
	}
	salt, err := randomBytes(16)
	if err != nil {
		return passWrap{}, err
	}
	return passWrap{kdf: p, salt: salt, kek: deriveKEK(passphrase, salt, p)}, nil
}

// putOperator gives op a holder key under w (a new key pair, the data key sealed to it) and
// stores the authenticated record; without w the record holds no key (disabled).
func (t *Tx) putOperator(op Operator, w *passWrap) error {
	kr := t.s.keys
	rec := operatorRecord{Operator: op}
	if w != nil {
		priv, pub, sealed, err := passHolder(kr, op.ID, w.kek)
		if err != nil {
			return err
		}
		rec.KDF, rec.Salt, rec.Priv, rec.Pub, rec.Sealed = w.kdf, w.salt, priv, pub, sealed
	}
	return t.putOperatorRecord(rec)
}

// putOperatorRecord MACs rec with the store's keys and writes it.
func (t *Tx) putOperatorRecord(rec operatorRecord) error {
	kr := t.s.keys
	rec.MAC = kr.recordMAC("op", rec.canonical())
	v, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("offline: operator record: %w", err)
	}
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.Put(opKey(rec.ID), v); err != nil {
		return fmt.Errorf("offline: writing operator %s: %w", rec.ID, err)
	}
	return nil
}

// rawOperator reads a record without checking its MAC (Unlock does not have the key yet).
func (t *Tx) rawOperator(id string) (operatorRecord, bool, error) {
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return operatorRecord{}, false, err
	}
	v := meta.Get(opKey(id))
	if v == nil {
		return operatorRecord{}, false, nil
	}
	var rec operatorRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return rec, false, fmt.Errorf("offline: operator record %s: %w", id, err)
	}
	if rec.ID != id {
		return rec, false, fmt.Errorf("%w: operator record %s names %s", ErrUnsealable, id, rec.ID)
	}
	return rec, true, nil
}

func (kr *keyring) checkOperatorMAC(rec operatorRecord) error {
	if !hmac.Equal(rec.MAC, kr.recordMAC("op", rec.canonical())) {
		return fmt.Errorf("%w: operator record %s was changed outside motcua", ErrUnsealable, rec.ID)
	}
	return nil
}

// operator reads and authenticates a record; ErrNoOperator when missing.
func (t *Tx) operator(id string) (operatorRecord, error) {
	rec, ok, err := t.rawOperator(id)
	if err != nil {
		return rec, err
	}
	if !ok {
		return rec, fmt.Errorf("%w: %s", ErrNoOperator, id)
	}
	return rec, t.s.keys.checkOperatorMAC(rec)
}

func (s *Store) requireKey() error {
	if !s.keys.encrypted {
		return fmt.Errorf("%w: %s", ErrNotEncrypted, s.path)
	}
	return nil
}

// Init creates an encrypted store in dir with first as its first operator (a supervisor;
// an empty Role means supervisor) and returns it unlocked for that operator. A random 256-bit
// data key is generated and wrapped under an argon2id key (opt.KDF) of the passphrase.
//
// If dir already holds an unencrypted store (made by Open), Init migrates it in one unit of
// work: every dossier, receipt and draft is opened with opt.Sealer (PassThrough by default) and
// re-sealed with AES-256-GCM; the look-up cache is emptied (its keys were hashed with a salt
// readable from the file and cannot be re-keyed; it refills from the gateway); the audit log
// is re-chained under the new key, with an entry saying whether the old chain verified; the
// plain salt is deleted. If any value does not open, nothing changes and the error wraps
// ErrUnsealable. The file is then compacted so that no plain page is left in it; if only that
// step fails, Init returns the unlocked store and the error.
// A store that is already encrypted gives ErrAlreadyInitialized.
func Init(dir string, first Operator, passphrase string, opt Options) (*Store, error) {
	s, err := newStore(dir, opt, true)
	if err != nil {
		return nil, err
	}
	if first.Role == "" {
		first.Role = RoleSupervisor
	}
	if first.Role != RoleSupervisor {
		return nil, fmt.Errorf("%w: the first operator must be a supervisor", ErrInvalidOperator)
	}
	first, err = checkOperator(first, s.now())
	if err != nil {
		return nil, err
	}
	w, err := newPassWrap(passphrase, s.opt.KDF)
	if err != nil {
		return nil, err
	}
	dataKey, err := randomBytes(32)
	if err != nil {
		return nil, err
	}
	migrated := false
	err = s.run(false, false, func(tx *Tx) error {
		meta, err := tx.createBuckets()
		if err != nil {
			return err
		}
		if meta.Get(metaKeyCheck) != nil {
			return fmt.Errorf("%w: %s", ErrAlreadyInitialized, s.path)
		}
		kr, err := dataKeyring(dataKey, bytes.Clone(meta.Get(metaStoreID)))
		if err != nil {
			return err
		}
		detail, outcome := "init", "ok"
		if meta.Get(metaSalt) != nil {
			if detail, outcome, err = tx.migrate(meta, kr); err != nil {
				return err
			}
			migrated = true
		}
		if err := meta.Put(metaKeyCheck, kr.check); err != nil {
			return fmt.Errorf("offline: writing key check: %w", err)
		}
		if err := tx.upgradeFormat(kr.audit); err != nil {
			return err
		}
		s.keys, s.actor, s.holder = kr, first.ID, Holder{Operator: first}
		if err := tx.putOperator(first, &w); err != nil {
			return err
		}
		if err := tx.LogAccess(AccessEntry{Operator: first.ID, Purpose: PurposeAdmin, Action: ActionStore, Outcome: outcome, Detail: detail}); err != nil {
			return err
		}
		if err := tx.anchorLogins(meta); err != nil {
			return err
		}
		return tx.logAdmin(ActionOperator, "add="+first.ID)
	})
	if err != nil {
		return nil, err
	}
	if migrated {
		if _, _, err := s.Compact(); err != nil {
			return s, fmt.Errorf("offline: store encrypted, but compacting it failed (old plain pages may remain; compact again): %w", err)
		}
	}
	return s, nil
}

// readKeyMeta reads what every unlock needs before the slow derivation.
func (t *Tx) readKeyMeta() (storeID, check []byte, err error) {
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s", ErrNoStore, t.s.path)
	}
	check = bytes.Clone(meta.Get(metaKeyCheck))
	if check == nil {
		return nil, nil, fmt.Errorf("%w: %s (run the initialisation: it encrypts the existing data)", ErrNotEncrypted, t.s.path)
	}
	return bytes.Clone(meta.Get(metaStoreID)), check, nil
}

// decoy spends the time of a real derivation, so that an unknown ID answers like a wrong
// passphrase.
func decoy(passphrase string, p KDFParams) {
	salt, _ := randomBytes(16)
	deriveKEK(passphrase, salt, p)
}

// openOperator derives the passphrase key and opens the data key of rec: through the holder
// key, or for a record older than holder keys through its direct wrap. It also returns the
// passphrase key (Unlock gives an old record a holder key with it).
func openOperator(rec operatorRecord, found bool, passphrase string, storeID, check []byte, decoyKDF KDFParams) (*keyring, []byte, error) {
	if !found || rec.Disabled || len(rec.Wrapped) == 0 && len(rec.Sealed) == 0 || rec.KDF.check() != nil {
		decoy(passphrase, decoyKDF)
		if found && rec.Disabled {
			return nil, nil, fmt.Errorf("%w: %s", ErrOperatorDisabled, rec.ID)
		}
		return nil, nil, ErrBadPassphrase
	}
	kek := deriveKEK(passphrase, rec.Salt, rec.KDF)
	var dk []byte
	if len(rec.Sealed) > 0 {
		priv, err := unwrapKey(kek, rec.Priv, wrapAD(storeID, "op-holder", rec.ID))
		if err != nil {
			return nil, nil, ErrBadPassphrase
		}
		if dk, err = openForHolder(priv, storeID, "op", rec.ID, rec.Sealed); err != nil {
			return nil, nil, fmt.Errorf("%w: the data key sealed for operator %s does not open", ErrUnsealable, rec.ID)
		}
	} else {
		var err error
		if dk, err = unwrapKey(kek, rec.Wrapped, wrapAD(storeID, "op", rec.ID)); err != nil {
			return nil, nil, ErrBadPassphrase
		}
	}
	kr, err := dataKeyring(dk, storeID)
	if err != nil {
		return nil, nil, err
	}
	if !hmac.Equal(kr.check, check) {
		return nil, nil, fmt.Errorf("%w: operator %s holds an old or another store's key", ErrUnsealable, rec.ID)
	}
	if err := kr.checkOperatorMAC(rec); err != nil {
		return nil, nil, err
	}
	return kr, kek, nil
}

// Unlock opens the encrypted store in dir for operator id: it derives the key of the
// passphrase with argon2id (outside the file lock) and unwraps the data key. A wrong
// passphrase and an unknown ID both give ErrBadPassphrase after the same work; a disabled
// operator gives ErrOperatorDisabled. An unencrypted store gives ErrNotEncrypted, a
// directory without a store ErrNoStore.
//
// Repeated failures make the next attempts wait (LoginPerOperator, LoginOverall; see
// loginguard.go): an attempt during a wait gives a *LoginDelayError (ErrLoginDelayed) without
// trying the passphrase, and a failure that starts a wait is returned inside one. Failed
// attempts are kept aside and entered into the audit chain by the next successful unlock,
// which also resets the counters of the operator and of the store. A store of an older format
// version is brought to the current one by the unlock (format.go; the indexes by reception
// time, received.go); a store of a newer version gives ErrStoreTooNew before anything is written.
func Unlock(dir, id, passphrase string, opt Options) (*Store, Operator, error) {
	s, err := newStore(dir, opt, false)
	if err != nil {
		return nil, Operator{}, err
	}
	var (
		rec            operatorRecord
		found          bool
		storeID, check []byte
		gen            uint64
	)
	now := s.now()
	err = s.reserveLogin(id, now, func(tx *Tx) (_ []byte, err error) {
		if storeID, check, err = tx.readKeyMeta(); err != nil {
			return nil, err
		}
		gen = tx.keyGen()
		if validOperatorID(id) {
			rec, found, err = tx.rawOperator(id)
		}
		return storeID, err
	})
	if err != nil {
		return nil, Operator{}, err
	}
	kr, kek, err := openOperator(rec, found, passphrase, storeID, check, s.opt.KDF)
	if errors.Is(err, ErrBadPassphrase) || errors.Is(err, ErrOperatorDisabled) {
		return nil, Operator{}, s.loginFailed(storeID, id, found && rec.ID == id, err, now)
	}
	if err != nil {
		return nil, Operator{}, err
	}
	kr.gen = gen
	s.keys, s.actor, s.holder = kr, id, Holder{Operator: rec.Operator}
	err = s.Update(func(tx *Tx) error {
		if err := tx.settleLogins(id); err != nil {
			return err
		}
		if err := tx.giveHolderKey(rec, kek); err != nil {
			return err
		}
		return tx.upgradeFormat(kr.audit)
	})
	if err != nil {
		return nil, Operator{}, err
	}
	return s, rec.Operator, nil
}

// CheckPassphrase verifies an operator's passphrase against this unlocked store (to unlock
// an idle screen or confirm a sensitive step). It changes nothing but the login guard: the
// backoff and the failed attempts count as for Unlock, and a success settles them. Errors are
// those of Unlock.
func (s *Store) CheckPassphrase(id, passphrase string) (Operator, error) {
	if err := s.requireKey(); err != nil {
		return Operator{}, err
	}
	var (
		rec   operatorRecord
		found bool
	)
	now := s.now()
	err := s.reserveLogin(id, now, func(tx *Tx) (_ []byte, err error) {
		if err := tx.guard(true); err != nil {
			return nil, err
		}
		if validOperatorID(id) {
			rec, found, err = tx.rawOperator(id)
		}
		return s.keys.storeID, err
	})
	if err != nil {
		return Operator{}, err
	}
	kr, _, err := openOperator(rec, found, passphrase, s.keys.storeID, s.keys.check, s.opt.KDF)
	if err == nil && !hmac.Equal(kr.dataKey, s.keys.dataKey) {
		err = ErrBadPassphrase
	}
	if errors.Is(err, ErrBadPassphrase) || errors.Is(err, ErrOperatorDisabled) {
		return Operator{}, s.loginFailed(s.keys.storeID, id, found && rec.ID == id, err, now)
	}
	if err != nil {
		return Operator{}, err
	}
	if err := s.settleLogins(id); err != nil {
		return Operator{}, err
	}
	return rec.Operator, nil
}

// AddOperator adds an operator who can unlock the store with passphrase (at least
// MinPassphraseRunes characters). The caller checks that the acting operator may do it.
// It is written to the audit log as ActionOperator "add=<id>".
func (s *Store) AddOperator(op Operator, passphrase string) error {
	if err := s.requireKey(); err != nil {
		return err
	}
	op, err := checkOperator(op, s.now())
	if err != nil {
		return err
	}
	w, err := newPassWrap(passphrase, s.opt.KDF)
	if err != nil {
		return err
	}
	return s.Update(func(tx *Tx) error {
		if _, ok, err := tx.rawOperator(op.ID); err != nil || ok {
			if err == nil {
				err = fmt.Errorf("%w: %s", ErrOperatorExists, op.ID)
			}
			return err
		}
		if err := tx.putOperator(op, &w); err != nil {
			return err
		}
		return tx.logAdmin(ActionOperator, "add="+op.ID)
	})
}

// ChangePassphrase wraps the data key for an enabled operator under a new passphrase (a
// change by the operator, or a reset by a supervisor: the caller decides who may).
func (s *Store) ChangePassphrase(id, newPassphrase string) error {
	if err := s.requireKey(); err != nil {
		return err
	}
	w, err := newPassWrap(newPassphrase, s.opt.KDF)
	if err != nil {
		return err
	}
	return s.Update(func(tx *Tx) error {
		rec, err := tx.operator(id)
		if err != nil {
			return err
		}
		if rec.Disabled {
			return fmt.Errorf("%w: %s", ErrOperatorDisabled, id)
		}
		if err := tx.putOperator(rec.Operator, &w); err != nil {
			return err
		}
		return tx.logAdmin(ActionOperator, "passphrase="+id)
	})
}

// DisableOperator stops an operator from unlocking: the holder key is deleted, and the data
// key is rotated in the same unit of work (rotateDataKey), so that what is written from now on
// needs the new key, which the disabled operator never held, even with an old copy of the
// file. The last enabled supervisor cannot be disabled (ErrLastSupervisor). LastRotation
// tells what the rotation did (operators who must have their passphrase reset).
func (s *Store) DisableOperator(id string) error {
	if err := s.requireKey(); err != nil {
		return err
	}
	return s.rotating("disable="+id, func(tx *Tx) (bool, error) {
		rec, err := tx.operator(id)
		if err != nil {
			return false, err
		}
		if rec.Disabled {
			return false, nil
		}
		if rec.Role == RoleSupervisor {
			ops, err := tx.Operators()
			if err != nil {
				return false, err
			}
			n := 0
			for _, o := range ops {
				if o.Role == RoleSupervisor && !o.Disabled {
					n++
				}
			}
			if n <= 1 {
				return false, fmt.Errorf("%w: %s", ErrLastSupervisor, id)
			}
		}
		op := rec.Operator
		op.Disabled, op.DisabledAt = true, s.now().UTC().Round(0)
		if err := tx.putOperator(op, nil); err != nil {
			return false, err
		}
		return true, tx.logAdmin(ActionOperator, "disable="+id)
	})
}

// EnableOperator enables a disabled operator again with a new passphrase.
func (s *Store) EnableOperator(id, passphrase string) error {
	if err := s.requireKey(); err != nil {
		return err
	}
	w, err := newPassWrap(passphrase, s.opt.KDF)
	if err != nil {
		return err
	}
	return s.Update(func(tx *Tx) error {
		rec, err := tx.operator(id)
		if err != nil {
			return err
		}
		op := rec.Operator
		op.Disabled, op.DisabledAt = false, time.Time{}
		if err := tx.putOperator(op, &w); err != nil {
			return err
		}
		return tx.logAdmin(ActionOperator, "enable="+id)
	})
}

// Operators lists the operators (enabled and disabled) by ID; every record is authenticated.
func (s *Store) Operators() (out []Operator, err error) {
	err = s.View(func(tx *Tx) error { out, err = tx.Operators(); return err })
	return out, err
}

// Operators is Store.Operators inside a unit of work.
func (t *Tx) Operators() ([]Operator, error) {
	if err := t.s.requireKey(); err != nil {
		return nil, err
	}
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return nil, err
	}
	var out []Operator
	c := meta.Cursor()
	for k, _ := c.Seek([]byte(metaOpPrefix)); k != nil && bytes.HasPrefix(k, []byte(metaOpPrefix)); k, _ = c.Next() {
		rec, err := t.operator(string(k[len(metaOpPrefix):]))
		if err != nil {
			return nil, err
		}
		out = append(out, rec.Operator)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
