package offline

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// File names inside a data directory.
const (
	DBFileName   = "motcua.db"
	LockFileName = "counter.lock"
)

// DefaultLockWait is how long a unit of work waits for the data file when Options.LockWait is 0.
const DefaultLockWait = 3 * time.Second

// pollInterval is the pause between two attempts to lock a data file held by another process.
const pollInterval = 15 * time.Millisecond

// ErrBusy is returned when the data file stayed locked by another unit of work (in this or
// another process) for longer than Options.LockWait. ClerkMessage turns it into Vietnamese.
var ErrBusy = errors.New("offline: data file busy")

// Bucket names.
const (
	bucketMeta         = "meta"
	bucketLookups      = "lookups"
	bucketSeq          = "dossier_seq"
	bucketDossiers     = "dossiers"
	bucketDossierIndex = "dossier_index"
	bucketReceipts     = "receipts"
	bucketAccess       = "access_log"
	bucketDrafts       = "drafts"
	bucketDraftIndex   = "draft_index"
)

var allBuckets = []string{bucketMeta, bucketLookups, bucketSeq, bucketDossiers, bucketDossierIndex, bucketReceipts, bucketAccess,
	bucketDrafts, bucketDraftIndex}

// sealedBuckets hold values written entirely by Tx.seal (the migration re-seals them).
// bucketLookups is sealed too but keyed by a subject hash and migrated separately; the other
// buckets hold no personal data. TestEveryBucketIsClassified keeps this list honest.
var sealedBuckets = []string{bucketDossiers, bucketReceipts, bucketDrafts}

// lazySealedBuckets hold values written entirely by Tx.seal too, but are created by their
// first write (stores made before them have none): the migration and the key rotation re-seal
// those present. lazyPlainBuckets are the buckets created the same way that hold no personal
// data. TestEveryBucketIsClassified keeps both lists honest.
var (
	lazySealedBuckets = []string{bucketLife, bucketEventBody, bucketSlips, bucketPrintDocs}
	lazyPlainBuckets  = []string{bucketOutbox, bucketBatchDone, bucketPrintQueue, bucketLifeIndex, bucketLifeMarks,
		bucketEvents, bucketSlipIndex, bucketLifeFacts, bucketAccessCounts, bucketDossierReceived, bucketLifeReceived}
)

// presentSealedBuckets lists the sealed buckets the file holds: every one of sealedBuckets
// and the lazy ones already created.
func (t *Tx) presentSealedBuckets() []string {
	out := append([]string(nil), sealedBuckets...)
	for _, name := range lazySealedBuckets {
		if t.tx.Bucket([]byte(name)) != nil {
			out = append(out, name)
		}
	}
	return out
}

// Meta keys. Operator and key-file records live under the prefixes metaOpPrefix and
// metaKeyFilePrefix.
var (
	metaFormat     = []byte("format")       // one byte, the format version (format.go)
	metaSalt       = []byte("subject_salt") // unencrypted stores only
	metaStoreID    = []byte("store_id")     // 16 random bytes, not secret
	metaKeyCheck   = []byte("key_check")    // encrypted stores only: proves the data key
	metaAuditHead  = []byte("audit_head")   // seq, hash and MAC of the last audit entry
	metaSuperseded = []byte("superseded")   // set in a file replaced by Compact
)

// Options configure a Store. The zero value is usable: PassThrough sealing, a 3 s lock wait,
// no wait callback, the system clock, DefaultKDF.
type Options struct {
	// Sealer seals every piece of personal data of an unencrypted store (Open); default
	// PassThrough(). For Init on an existing unencrypted store it is the layer its values were
	// sealed with (they are migrated to AES-256-GCM). Unlock and UnlockWithKeyFile ignore it.
	Sealer Sealer
	// KDF is the argon2id cost used for new passphrase wraps (Init, AddOperator,
	// ChangePassphrase, EnableOperator) and for the decoy derivation of an unknown operator;
	// default DefaultKDF. Unlock uses the parameters stored with each operator.
	KDF KDFParams
	// LockWait is how long a unit of work waits for the data file lock; default 3 s.
	LockWait time.Duration
	// OnWait is called at most once per unit of work, when it has to wait for the lock
	// (a CLI prints WaitMessage). It runs on the caller's goroutine.
	OnWait func()
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
}

// Store is a data directory's bbolt store. It does not keep the file open: every unit of work
// (Update, View or one of the wrapper methods) opens, locks, uses and closes it, so several
// commands and processes can share the directory. A Store is safe for concurrent use.
// Do not call a Store's methods from inside Update/View on the same directory: the inner call
// waits for the outer one and fails with ErrBusy; use the Tx instead.
type Store struct {
	dir  string
	path string
	opt  Options
	sem  chan struct{} // shared by every Store of the same file in this process
	keys *keyring      // sealer and derived keys, fixed at Open, Init or Unlock
	// actor is the operator who unlocked the store ("keyfile:<id>" for a key file, "" for
	// an unencrypted store); the store's own audit entries (operator changes) carry it.
	actor string

	rotMu        sync.Mutex
	lastRotation *KeyRotation // what the last key rotation made through this Store did
	// holder is who unlocked the store, with the role of a key file (holder.go).
	holder Holder
}

var (
	semMu sync.Mutex
	sems  = map[string]chan struct{}{}
)

// fileSem returns the in-process semaphore of a data file, so that goroutines queue in order
// instead of polling the OS lock.
func fileSem(path string) chan struct{} {
	semMu.Lock()
	defer semMu.Unlock()
	s, ok := sems[path]
	if !ok {
		s = make(chan struct{}, 1)
		sems[path] = s
	}
	return s
}

// newStore checks dir and fills the defaults; it creates dir (0700) only when create is set.
func newStore(dir string, opt Options, create bool) (*Store, error) {
	if dir == "" {
		return nil, errors.New("offline: empty data directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("offline: data directory %q: %w", dir, err)
	}
	path := filepath.Join(abs, DBFileName)
	if create {
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return nil, fmt.Errorf("offline: creating data directory: %w", err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoStore, path, err)
	}
	if opt.Sealer == nil {
		opt.Sealer = PassThrough()
	}
	if opt.LockWait <= 0 {
		opt.LockWait = DefaultLockWait
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.KDF == (KDFParams{}) {
		opt.KDF = DefaultKDF
	}
	if err := opt.KDF.check(); err != nil {
		return nil, err
	}
	return &Store{dir: abs, path: path, opt: opt, sem: fileSem(path)}, nil
}

// Open prepares an UNENCRYPTED store in dir (values sealed by Options.Sealer, PassThrough by
// default): it creates dir (0700) and motcua.db (0600) on first use, creates the buckets and
// the subject-key salt, brings a store of an older format version to the current one (format.go:
// the indexes by reception time, received.go), and closes the file again. A store of a newer
// format version gives ErrStoreTooNew, nothing written. A store that Init has encrypted does not
// open this way: Open returns ErrLocked, and Unlock or UnlockWithKeyFile must be used.
func Open(dir string, opt Options) (*Store, error) {
	s, err := newStore(dir, opt, true)
	if err != nil {
		return nil, err
	}
	var kr *keyring
	// A read-only look first: a command opening an existing store does not take the write
	// lock just to find everything in place.
	err = errNeedInit
	if _, statErr := os.Stat(s.path); statErr == nil {
		err = s.run(true, false, func(tx *Tx) (err error) { kr, err = tx.plainKeys(); return err })
	}
	if errors.Is(err, errNeedInit) {
		err = s.run(false, false, func(tx *Tx) (err error) { kr, err = tx.initPlain(); return err })
	}
	if err != nil {
		return nil, err
	}
	s.keys = kr
	return s, nil
}

// Dir returns the absolute data directory.
func (s *Store) Dir() string { return s.dir }

// Path returns the absolute path of the bbolt file.
func (s *Store) Path() string { return s.path }

// Encrypted reports whether the store seals with AES-256-GCM under a data key (Init, Unlock,
// UnlockWithKeyFile) rather than with Options.Sealer (Open).
func (s *Store) Encrypted() bool { return s.keys.encrypted }

// Actor is the ID of the operator who unlocked the store, "keyfile:<id>" after
// UnlockWithKeyFile, or "" for an unencrypted store.
func (s *Store) Actor() string { return s.actor }

func (s *Store) now() time.Time { return s.opt.Clock() }

// SubjectKey returns the keyed hash (HMAC-SHA256) that stands for a personal ID number in
// keys and logs. The HMAC key is derived from the data key (encrypted store) or is the
// store's sealed random salt (unencrypted store); the raw number is never stored.
func (s *Store) SubjectKey(id string) []byte {
	m := hmac.New(sha256.New, s.keys.subject)
	m.Write([]byte("motcua/subject/v1\x00"))
	m.Write([]byte(strings.TrimSpace(id)))
	return m.Sum(nil)
}

// SubjectRef is SubjectKey in lower-case hex, the form used in AccessEntry.Subject.
func (s *Store) SubjectRef(id string) string { return hex.EncodeToString(s.SubjectKey(id)) }

// Update runs fn as one read-write unit of work: the file is opened and locked, fn runs in a
// single bbolt transaction (committed if fn returns nil, rolled back otherwise), and the file
// is closed again.
func (s *Store) Update(fn func(tx *Tx) error) error { return s.run(false, true, fn) }

// View runs fn as one read-only unit of work (shared lock: readers in other processes may
// run at the same time). Write methods of the Tx fail inside View.
func (s *Store) View(fn func(tx *Tx) error) error { return s.run(true, true, fn) }

// errSuperseded: the file was replaced by Compact after this unit of work opened it.
var errSuperseded = errors.New("offline: data file replaced by compaction")

// run is one unit of work with the guards every transaction needs: a file that Compact
// replaced is reopened (by path) and, when guard is set, the file must match the keys.
func (s *Store) run(readOnly, guard bool, fn func(tx *Tx) error) error {
	var t *Tx
	body := func(btx *bolt.Tx) error {
		t = &Tx{s: s, tx: btx}
		if err := t.guard(guard); err != nil {
			return err
		}
		return fn(t)
	}
	for attempt := 0; ; attempt++ {
		err := s.withDB(readOnly, func(db *bolt.DB) error {
			if readOnly {
				return db.View(body)
			}
			if err := db.Update(body); err != nil {
				return err
			}
			// Still holding the file: nothing of this process runs in between.
			for _, f := range t.committed {
				f()
			}
			return nil
		})
		if errors.Is(err, errSuperseded) && attempt < 50 {
			continue
		}
		return err
	}
}

// guard checks, inside the transaction, that the file was not replaced by Compact, that its
// format version is not newer than this program's (ErrStoreTooNew), and (with
// keys) that an encrypted store's file holds this data key and an unencrypted store's file
// was not encrypted meanwhile: nothing plain is ever written into an encrypted store.
func (t *Tx) guard(keys bool) error {
	meta := t.tx.Bucket([]byte(bucketMeta))
	if meta == nil {
		if keys {
			return fmt.Errorf("offline: bucket %q missing in %s", bucketMeta, t.s.path)
		}
		return nil
	}
	if meta.Get(metaSuperseded) != nil {
		return errSuperseded
	}
	// Before anything is read or written: a newer program's store is refused.
	if _, err := formatOf(meta, t.s.path); err != nil {
		return err
	}
	if !keys {
		return nil
	}
	kc := meta.Get(metaKeyCheck)
	switch {
	case t.s.keys.encrypted && !hmac.Equal(kc, t.s.keys.check):
		if gen := metaGen(meta); gen > t.s.keys.gen {
			return fmt.Errorf("%w: %s holds data key generation %d, this program %d", ErrKeyRotated, t.s.path, gen, t.s.keys.gen)
		}
		return fmt.Errorf("%w: %s does not hold this store's data key (file replaced?)", ErrUnsealable, t.s.path)
	case !t.s.keys.encrypted && kc != nil:
		return fmt.Errorf("%w: %s was encrypted after this program opened it", ErrLocked, t.s.path)
	}
	return nil
}

// withDB is one unit of work: queue behind other goroutines of this process, then take the
// file lock (polling single-attempt bolt.Open calls until LockWait), run fn, close.
func (s *Store) withDB(readOnly bool, fn func(db *bolt.DB) error) error {
	deadline := time.Now().Add(s.opt.LockWait)
	waited := false
	wait := func() {
		if !waited {
			waited = true
			if s.opt.OnWait != nil {
				s.opt.OnWait()
			}
		}
	}
	select {
	case s.sem <- struct{}{}:
	default:
		wait()
		t := time.NewTimer(time.Until(deadline))
		select {
		case s.sem <- struct{}{}:
			t.Stop()
		case <-t.C:
			return fmt.Errorf("%w: %s in use by this process for more than %s", ErrBusy, s.path, s.opt.LockWait)
		}
	}
	defer func() { <-s.sem }()

	db, err := s.openDB(readOnly, deadline, wait)
	if err != nil {
		return err
	}
	err = fn(db)
	if cerr := db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("offline: closing %s: %w", s.path, cerr)
	}
	return err
}

func (s *Store) openDB(readOnly bool, deadline time.Time, wait func()) (*bolt.DB, error) {
	for {
		// Timeout of one nanosecond: bbolt tries the lock exactly once; we do the waiting
		// here so that OnWait can be called and LockWait honoured precisely.
		db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: time.Nanosecond, ReadOnly: readOnly})
		if err == nil {
			return db, nil
		}
		if !errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("offline: opening %s: %w", s.path, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("%w: %s locked by another process for more than %s", ErrBusy, s.path, s.opt.LockWait)
		}
		wait()
		time.Sleep(min(left, pollInterval))
	}
}

// Tx is one unit of work. Every Store method is a thin wrapper over the Tx method of the same
// name, so several steps (save a dossier, log the access) can commit together.
// A Tx is valid only inside the function given to Update or View.
type Tx struct {
	s         *Store
	tx        *bolt.Tx
	committed []func() // run after a successful commit, before the file is released
	// auditMoved is the chain head after this unit of work's appends (nil: none).
	auditMoved *AuditHead
}

// afterCommit registers f to run once this unit of work has committed (not after a rollback).
func (t *Tx) afterCommit(f func()) { t.committed = append(t.committed, f) }

// Writable reports whether the Tx can write (it came from Update).
func (t *Tx) Writable() bool { return t.tx.Writable() }

// SubjectRef is Store.SubjectRef, for use inside a unit of work.
func (t *Tx) SubjectRef(id string) string { return t.s.SubjectRef(id) }

func (t *Tx) bucket(name string) (*bolt.Bucket, error) {
	b := t.tx.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("offline: bucket %q missing in %s", name, t.s.path)
	}
	return b, nil
}

func (t *Tx) seal(bucket string, key, plain []byte) ([]byte, error) {
	out, err := t.s.keys.sealer.Seal(bucket, key, plain)
	if err != nil {
		return nil, fmt.Errorf("offline: sealing %s value: %w", bucket, err)
	}
	return out, nil
}

// open copies the stored bytes out of the memory map before handing them to the Sealer.
func (t *Tx) open(bucket string, key, stored []byte) ([]byte, error) {
	return openWith(t.s.keys.sealer, bucket, key, stored)
}

func openWith(sl Sealer, bucket string, key, stored []byte) ([]byte, error) {
	cp := append([]byte(nil), stored...)
	out, err := sl.Open(bucket, key, cp)
	if err != nil {
		if errors.Is(err, ErrUnsealable) {
			return nil, fmt.Errorf("offline: opening %s value: %w", bucket, err)
		}
		return nil, fmt.Errorf("offline: opening %s value: %w: %w", bucket, ErrUnsealable, err)
	}
	return out, nil
}

var errNeedInit = errors.New("offline: store needs initialisation")

// plainKeys reads the keys of an unencrypted store opened read-only, or returns errNeedInit
// when something must be created or upgraded first.
func (t *Tx) plainKeys() (*keyring, error) {
	for _, name := range allBuckets {
		if t.tx.Bucket([]byte(name)) == nil {
			return nil, errNeedInit
		}
	}
	meta := t.tx.Bucket([]byte(bucketMeta))
	if meta.Get(metaKeyCheck) != nil {
		return nil, fmt.Errorf("%w: %s", ErrLocked, t.s.path)
	}
	if !formatCurrent(meta) || meta.Get(metaSalt) == nil || meta.Get(metaStoreID) == nil || !receivedIndexesBuilt(meta) {
		return nil, errNeedInit
	}
	return t.plainKeyring(meta)
}

func (t *Tx) plainKeyring(meta *bolt.Bucket) (*keyring, error) {
	salt, err := openWith(t.s.opt.Sealer, bucketMeta, metaSalt, meta.Get(metaSalt))
	if err != nil {
		return nil, err
	}
	if len(salt) != 32 {
		return nil, fmt.Errorf("offline: subject salt has %d bytes, want 32", len(salt))
	}
	return plainKeyring(t.s.opt.Sealer, salt, meta.Get(metaStoreID))
}

// createBuckets creates the missing buckets and the store ID. (The format version was checked
// by the unit of work's guard.)
func (t *Tx) createBuckets() (*bolt.Bucket, error) {
	for _, name := range allBuckets {
		if _, err := t.tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return nil, fmt.Errorf("offline: creating bucket %q: %w", name, err)
		}
	}
	meta := t.tx.Bucket([]byte(bucketMeta))
	if meta.Get(metaStoreID) == nil {
		id := make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			return nil, fmt.Errorf("offline: generating store id: %w", err)
		}
		if err := meta.Put(metaStoreID, id); err != nil {
			return nil, fmt.Errorf("offline: writing store id: %w", err)
		}
	}
	return meta, nil
}

// initPlain creates the buckets and the salt of an unencrypted store and brings it to the
// current format version (upgradeFormat: the hash chain of a version 1 access log, the indexes
// by reception time).
func (t *Tx) initPlain() (*keyring, error) {
	meta, err := t.createBuckets()
	if err != nil {
		return nil, err
	}
	if meta.Get(metaKeyCheck) != nil {
		return nil, fmt.Errorf("%w: %s", ErrLocked, t.s.path)
	}
	// The salt is sealed like personal data. It is only as secret as the Sealer makes it:
	// encrypted stores (Init) derive their subject key from the data key instead.
	if meta.Get(metaSalt) == nil {
		salt := make([]byte, 32)
		if _, err := rand.Read(salt); err != nil {
			return nil, fmt.Errorf("offline: generating subject salt: %w", err)
		}
		sealed, err := t.s.opt.Sealer.Seal(bucketMeta, metaSalt, salt)
		if err != nil {
			return nil, fmt.Errorf("offline: sealing subject salt: %w", err)
		}
		if err := meta.Put(metaSalt, sealed); err != nil {
			return nil, fmt.Errorf("offline: writing subject salt: %w", err)
		}
	}
	kr, err := t.plainKeyring(meta)
	if err != nil {
		return nil, err
	}
	return kr, t.upgradeFormat(kr.audit)
}
