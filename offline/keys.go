package offline

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// KDFParams are the argon2id costs of a passphrase wrap.
type KDFParams struct {
	Time      uint32 `json:"t"` // passes
	MemoryKiB uint32 `json:"m"` // memory in KiB
	Threads   uint8  `json:"p"` // lanes
}

// DefaultKDF is the production cost: 2 passes over 64 MiB with 2 lanes. A full Unlock took
// 63 ms on the two-core build VM (BenchmarkUnlockDefaultKDF); an older ward PC may take
// 3 to 5 times that. It is paid at each Unlock, never per value.
var DefaultKDF = KDFParams{Time: 2, MemoryKiB: 64 * 1024, Threads: 2}

// check bounds the parameters so that a record edited in the file cannot make Unlock
// allocate gigabytes or run for minutes.
func (p KDFParams) check() error {
	if p.Time < 1 || p.Time > 16 || p.Threads < 1 || p.Threads > 16 ||
		p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > 1<<20 {
		return fmt.Errorf("offline: argon2id parameters %+v outside t 1..16, p 1..16, m 8p KiB..1 GiB", p)
	}
	return nil
}

// MinPassphraseRunes is the shortest passphrase accepted for an operator.
const MinPassphraseRunes = 8

// normPassphrase puts a passphrase in NFC, so that the same Vietnamese words typed with a
// composing or a decomposing input method derive the same key.
func normPassphrase(p string) []byte { return []byte(norm.NFC.String(p)) }

func checkPassphrase(p string) error {
	if n := len([]rune(norm.NFC.String(p))); n < MinPassphraseRunes {
		return fmt.Errorf("%w: %d characters, at least %d needed", ErrWeakPassphrase, n, MinPassphraseRunes)
	}
	return nil
}

// deriveKEK is the argon2id key-encryption key of a passphrase.
func deriveKEK(passphrase string, salt []byte, p KDFParams) []byte {
	return argon2.IDKey(normPassphrase(passphrase), salt, p.Time, p.MemoryKiB, p.Threads, 32)
}

// wrapKey encrypts the data key under kek (AES-256-GCM, random nonce); ad names the holder.
func wrapKey(kek, dataKey, ad []byte) ([]byte, error) {
	aead, err := wrapAEAD(kek)
	if err != nil {
		return nil, err
	}
	return aead.Seal(nil, nil, dataKey, ad), nil
}

func unwrapKey(kek, wrapped, ad []byte) ([]byte, error) {
	aead, err := wrapAEAD(kek)
	if err != nil {
		return nil, err
	}
	dk, err := aead.Open(nil, nil, wrapped, ad)
	if err != nil || len(dk) != 32 {
		return nil, errUnwrap
	}
	return dk, nil
}

var errUnwrap = errors.New("offline: key does not unwrap")

func wrapAEAD(kek []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("offline: key-encryption key: %w", err)
	}
	return cipher.NewGCMWithRandomNonce(block)
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("offline: random bytes: %w", err)
	}
	return b, nil
}

// keyring is what a Store needs to read and write: the sealer and the keys derived from the
// data key (encrypted store) or from the sealed salt (unencrypted store).
type keyring struct {
	encrypted bool
	sealer    Sealer
	dataKey   []byte // encrypted stores: wraps for new operators and key files
	storeID   []byte
	subject   []byte // HMAC key of SubjectKey
	audit     []byte // HMAC key of the audit chain
	record    []byte // HMAC key of operator and key-file records (encrypted stores)
	check     []byte // key check value stored in meta (encrypted stores)
	gen       uint64 // generation of the data key (rotate.go)
}

func subkey(secret, storeID []byte, info string) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, secret, storeID, info, 32)
	if err != nil {
		return nil, fmt.Errorf("offline: deriving %s: %w", info, err)
	}
	return k, nil
}

// dataKeyring derives everything from the 256-bit data key with HKDF-SHA256 (the store ID is
// the HKDF salt), one independent key per use.
func dataKeyring(dataKey, storeID []byte) (*keyring, error) {
	sl, err := AESGCM(dataKey)
	if err != nil {
		return nil, err
	}
	kr := &keyring{encrypted: true, sealer: sl, dataKey: dataKey, storeID: storeID}
	for _, d := range []struct {
		dst  *[]byte
		info string
	}{{&kr.subject, "motcua/subject/v1"}, {&kr.audit, "motcua/audit/v1"}, {&kr.record, "motcua/record/v1"}} {
		if *d.dst, err = subkey(dataKey, storeID, d.info); err != nil {
			return nil, err
		}
	}
	ck, err := subkey(dataKey, storeID, "motcua/check/v1")
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, ck)
	m.Write(storeID)
	kr.check = m.Sum(nil)
	return kr, nil
}

// plainKeyring is the keyring of an unencrypted store: the subject key is the salt itself
// (as before encryption existed, so cached records stay findable), the audit key is derived
// from it. Whoever reads the file can read the salt, so the chain then only shows accidents.
func plainKeyring(sl Sealer, salt, storeID []byte) (*keyring, error) {
	audit, err := subkey(salt, storeID, "motcua/audit/v1")
	if err != nil {
		return nil, err
	}
	return &keyring{sealer: sl, storeID: storeID, subject: salt, audit: audit}, nil
}

// recordMAC authenticates an operator or key-file record with the data key, so that nobody
// without it can change a role, re-enable an operator or swap a wrap.
func (kr *keyring) recordMAC(kind string, canonical []byte) []byte {
	m := hmac.New(sha256.New, kr.record)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write(canonical)
	return m.Sum(nil)
}
