package offline

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"
)

// Key files let unattended scripted runs (the sync worker, the crash test) unlock the store
// without a passphrase. A key file holds a random 256-bit secret; the store holds, per key
// file, an authenticated record with the public half of a holder key derived from the secret
// (HKDF-SHA256, no argon2id: the secret is not guessable) and the data key sealed to it
// (holders.go), so that each can be revoked alone and a rotation reaches the others. Records
// written before holder keys existed hold the data key wrapped under HKDF(secret) instead
// (Wrapped); the key file's next unlock replaces it.

// KeyFileFormat is the format tag written in a key file.
const KeyFileFormat = "motcua-keyfile/1"

// ErrKeyFileMode says the key file can be read by other users (it must be mode 0600).
var ErrKeyFileMode = errors.New("offline: key file readable by other users")

// ErrBadKeyFile says the key file is malformed, belongs to another store, or was revoked.
var ErrBadKeyFile = errors.New("offline: key file does not unlock this store")

// KeyFileInfo describes a key file known to the store (the secret stays in the file).
type KeyFileInfo struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
	// Role is the key file's role (KeyRole*; holder.go), covered by the record's MAC. Empty
	// in records made before roles existed: see EffectiveRole.
	Role string `json:"role,omitempty"`
}

type keyFileRecord struct {
	KeyFileInfo
	Wrapped []byte `json:"wrapped,omitempty"` // before holder keys
	Pub     []byte `json:"pub,omitempty"`     // holder key (key rotation)
	Sealed  []byte `json:"sealed,omitempty"`
	MAC     []byte `json:"mac,omitempty"`
}

func (r keyFileRecord) canonical() []byte {
	r.MAC = nil
	b, _ := json.Marshal(r)
	return b
}

type keyFile struct {
	Format string `json:"format"`
	Store  string `json:"store"`
	ID     string `json:"id"`
	Secret []byte `json:"secret"`
}

const metaKeyFilePrefix = "kf/"

func keyFileKEK(secret, storeID []byte) ([]byte, error) {
	return subkey(secret, storeID, "motcua/keyfile/v1")
}

// ExportKeyFile writes a new key file with role (one of KeyRoles) at path (created with mode
// 0600; an existing file is not overwritten) and records it in the store (audit:
// ActionKeyFile "export=<id>"). It returns the key file's ID for RevokeKeyFile. The caller
// checks the acting role.
func (s *Store) ExportKeyFile(path, role string) (id string, err error) {
	if err := s.requireKey(); err != nil {
		return "", err
	}
	if !ValidKeyRole(role) {
		return "", fmt.Errorf("%w: key file role %q", ErrInvalidOperator, role)
	}
	secret, err := randomBytes(32)
	if err != nil {
		return "", err
	}
	rawID, err := randomBytes(8)
	if err != nil {
		return "", err
	}
	id = hex.EncodeToString(rawID)
	_, pub, err := keyFileHolderKey(secret, s.keys.storeID)
	if err != nil {
		return "", err
	}
	sealed, err := sealForHolder(s.keys, "kf", id, pub)
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(keyFile{Format: KeyFileFormat, Store: hex.EncodeToString(s.keys.storeID), ID: id, Secret: secret})
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("offline: creating key file: %w", err)
	}
	_, werr := f.Write(append(body, '\n'))
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return "", fmt.Errorf("offline: writing key file: %w", werr)
	}
	rec := keyFileRecord{KeyFileInfo: KeyFileInfo{ID: id, CreatedAt: s.now().UTC().Round(0), CreatedBy: s.actorOr(), Role: role}, Pub: pub, Sealed: sealed}
	rec.MAC = s.keys.recordMAC("kf", rec.canonical())
	v, err := json.Marshal(rec)
	if err != nil {
		_ = os.Remove(path)
		return "", err
	}
	err = s.Update(func(tx *Tx) error {
		meta, err := tx.bucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put([]byte(metaKeyFilePrefix+id), v); err != nil {
			return fmt.Errorf("offline: recording key file: %w", err)
		}
		return tx.logAdmin(ActionKeyFile, "export="+id)
	})
	if err != nil {
		_ = os.Remove(path)
		return "", err
	}
	return id, nil
}

// UnlockWithKeyFile opens the encrypted store in dir with a key file written by
// ExportKeyFile. The file must not be readable by group or others (ErrKeyFileMode, except on
// Windows); a malformed, foreign or revoked key file gives ErrBadKeyFile. The store's Actor is
// "keyfile:<id>"; its Holder carries the key file's role. As Unlock, it brings a store of an
// older format version to the current one and refuses a newer one (ErrStoreTooNew, format.go).
func UnlockWithKeyFile(dir, path string, opt Options) (*Store, error) {
	s, err := newStore(dir, opt, false)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("offline: key file: %w", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %v, want 0600", ErrKeyFileMode, path, st.Mode().Perm())
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("offline: key file: %w", err)
	}
	var kf keyFile
	if err := json.Unmarshal(body, &kf); err != nil || kf.Format != KeyFileFormat || len(kf.Secret) != 32 || kf.ID == "" {
		return nil, fmt.Errorf("%w: %s is not a motcua key file", ErrBadKeyFile, path)
	}
	var (
		storeID, check []byte
		rec            keyFileRecord
		found          bool
		gen            uint64
		guard, anchor  []byte // the login guard and anchor as stored, to tell whether settling writes anything
		current        bool   // the store is at formatVersion, its indexes by reception time built
	)
	err = s.run(true, false, func(tx *Tx) (err error) {
		if storeID, check, err = tx.readKeyMeta(); err != nil {
			return err
		}
		gen = tx.keyGen()
		meta, _ := tx.bucket(bucketMeta)
		guard, anchor = bytes.Clone(meta.Get(metaLoginGuard)), bytes.Clone(meta.Get(metaLoginAnchor))
		current = formatCurrent(meta) && receivedIndexesBuilt(meta)
		if v := meta.Get([]byte(metaKeyFilePrefix + kf.ID)); v != nil {
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("offline: key file record %s: %w", kf.ID, err)
			}
			found = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if kf.Store != hex.EncodeToString(storeID) {
		return nil, fmt.Errorf("%w: it belongs to another store", ErrBadKeyFile)
	}
	if !found || rec.ID != kf.ID {
		return nil, fmt.Errorf("%w: key file %s unknown or revoked", ErrBadKeyFile, kf.ID)
	}
	dk, err := openKeyFileRecord(rec, kf, storeID)
	if err != nil {
		return nil, err
	}
	kr, err := dataKeyring(dk, storeID)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(kr.check, check) {
		return nil, fmt.Errorf("%w: key file record %s holds an old or another store's key (revoked, then put back?)", ErrUnsealable, kf.ID)
	}
	if !hmac.Equal(rec.MAC, kr.recordMAC("kf", rec.canonical())) {
		return nil, fmt.Errorf("%w: key file record %s was changed outside motcua", ErrUnsealable, kf.ID)
	}
	if rec.Role != "" && !ValidKeyRole(rec.Role) {
		return nil, fmt.Errorf("%w: key file %s has the unknown role %q", ErrBadKeyFile, kf.ID, rec.Role)
	}
	kr.gen = gen
	s.keys, s.actor = kr, "keyfile:"+kf.ID
	s.holder = Holder{KeyFile: kf.ID, KeyRole: rec.EffectiveRole()}
	if loginsClean(guard, anchor, kr, "") && !needsHolderKey(rec) && current {
		// nothing to settle, to give or to migrate: no write, no sync of the file (every
		// start of the counter unlocks with its key file)
		return s, nil
	}
	err = s.Update(func(tx *Tx) error {
		if err := tx.settleLogins(""); err != nil { // failed logins kept aside go into the audit chain
			return err
		}
		if err := tx.giveKeyFileHolderKey(rec, kf.Secret); err != nil {
			return err
		}
		return tx.upgradeFormat(kr.audit)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// RevokeKeyFile deletes a key file's record: the file no longer unlocks the store (audit:
// ActionKeyFile "revoke=<id>"), and the data key is rotated in the same unit of work
// (rotateDataKey), so that what is written from now on needs the new key, which the key file
// never opened, even with its old record put back into the file. ErrNotFound when the ID is
// unknown. LastRotation tells what the rotation did.
func (s *Store) RevokeKeyFile(id string) error {
	if err := s.requireKey(); err != nil {
		return err
	}
	return s.rotating("revoke="+id, func(tx *Tx) (bool, error) {
		meta, err := tx.bucket(bucketMeta)
		if err != nil {
			return false, err
		}
		k := []byte(metaKeyFilePrefix + id)
		if meta.Get(k) == nil {
			return false, fmt.Errorf("%w: key file %s", ErrNotFound, id)
		}
		if err := meta.Delete(k); err != nil {
			return false, fmt.Errorf("offline: revoking key file: %w", err)
		}
		return true, tx.logAdmin(ActionKeyFile, "revoke="+id)
	})
}

// openKeyFileRecord opens the data key of a key file's record with the file's secret.
func openKeyFileRecord(rec keyFileRecord, kf keyFile, storeID []byte) ([]byte, error) {
	if len(rec.Sealed) > 0 {
		priv, pub, err := keyFileHolderKey(kf.Secret, storeID)
		if err != nil {
			return nil, err
		}
		if !hmac.Equal(pub, rec.Pub) {
			return nil, fmt.Errorf("%w: key file %s is not the one recorded", ErrBadKeyFile, kf.ID)
		}
		dk, err := openForHolder(priv, storeID, "kf", kf.ID, rec.Sealed)
		if err != nil {
			return nil, fmt.Errorf("%w: the data key sealed for key file %s does not open", ErrUnsealable, kf.ID)
		}
		return dk, nil
	}
	kek, err := keyFileKEK(kf.Secret, storeID)
	if err != nil {
		return nil, err
	}
	dk, err := unwrapKey(kek, rec.Wrapped, wrapAD(storeID, "kf", kf.ID))
	if err != nil {
		return nil, fmt.Errorf("%w: key file %s does not open its wrap", ErrBadKeyFile, kf.ID)
	}
	return dk, nil
}

// KeyFiles lists the key files that can unlock the store, oldest first.
func (s *Store) KeyFiles() ([]KeyFileInfo, error) {
	if err := s.requireKey(); err != nil {
		return nil, err
	}
	var out []KeyFileInfo
	err := s.View(func(tx *Tx) error {
		meta, err := tx.bucket(bucketMeta)
		if err != nil {
			return err
		}
		c := meta.Cursor()
		for k, v := c.Seek([]byte(metaKeyFilePrefix)); k != nil && bytes.HasPrefix(k, []byte(metaKeyFilePrefix)); k, v = c.Next() {
			var rec keyFileRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("offline: key file record %s: %w", k, err)
			}
			if !hmac.Equal(rec.MAC, s.keys.recordMAC("kf", rec.canonical())) {
				return fmt.Errorf("%w: key file record %s was changed outside motcua", ErrUnsealable, rec.ID)
			}
			out = append(out, rec.KeyFileInfo)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}
