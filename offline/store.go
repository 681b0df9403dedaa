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

// formatVersion is the layout version written in the meta bucket.
const formatVersion = 1

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

// Meta keys.
var (
	metaFormat = []byte("format")
	metaSalt   = []byte("subject_salt")
)

// Options configure a Store. The zero value is usable: PassThrough sealing, a 3 s lock wait,
// no wait callback, the system clock.
type Options struct {
	// Sealer seals every piece of personal data written; default PassThrough().
	Sealer Sealer
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
	salt []byte        // subject-key salt, read once at Open
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

// Open prepares the store in dir: it creates dir (0700) and motcua.db (0600) on first use,
// creates the buckets and the subject-key salt, and closes the file again.
func Open(dir string, opt Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("offline: empty data directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("offline: data directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("offline: creating data directory: %w", err)
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
	path := filepath.Join(abs, DBFileName)
	s := &Store{dir: abs, path: path, opt: opt, sem: fileSem(path)}
	var salt []byte
	// A read-only look first: a command opening an existing store does not take the write
	// lock just to find everything in place.
	err = errNeedInit
	if _, statErr := os.Stat(path); statErr == nil {
		err = s.View(func(tx *Tx) (err error) { salt, err = tx.check(); return err })
	}
	if errors.Is(err, errNeedInit) {
		err = s.Update(func(tx *Tx) (err error) { salt, err = tx.init(); return err })
	}
	if err != nil {
		return nil, err
	}
	s.salt = salt
	return s, nil
}

// Dir returns the absolute data directory.
func (s *Store) Dir() string { return s.dir }

// Path returns the absolute path of the bbolt file.
func (s *Store) Path() string { return s.path }

func (s *Store) now() time.Time { return s.opt.Clock() }

// SubjectKey returns the keyed hash (HMAC-SHA256 with the store's random salt) that stands for
// a personal ID number in keys and logs. The raw number is never stored.
func (s *Store) SubjectKey(id string) []byte {
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte("motcua/subject/v1\x00"))
	m.Write([]byte(strings.TrimSpace(id)))
	return m.Sum(nil)
}

// SubjectRef is SubjectKey in lower-case hex, the form used in AccessEntry.Subject.
func (s *Store) SubjectRef(id string) string { return hex.EncodeToString(s.SubjectKey(id)) }

// Update runs fn as one read-write unit of work: the file is opened and locked, fn runs in a
// single bbolt transaction (committed if fn returns nil, rolled back otherwise), and the file
// is closed again.
func (s *Store) Update(fn func(tx *Tx) error) error {
	return s.withDB(false, func(db *bolt.DB) error {
		return db.Update(func(btx *bolt.Tx) error { return fn(&Tx{s: s, tx: btx}) })
	})
}

// View runs fn as one read-only unit of work (shared lock: readers in other processes may
// run at the same time). Write methods of the Tx fail inside View.
func (s *Store) View(fn func(tx *Tx) error) error {
	return s.withDB(true, func(db *bolt.DB) error {
		return db.View(func(btx *bolt.Tx) error { return fn(&Tx{s: s, tx: btx}) })
	})
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
	s  *Store
	tx *bolt.Tx
}

// Writable reports whether the Tx can write (it came from Update).
func (t *Tx) Writable() bool { return t.tx.Writable() }

func (t *Tx) bucket(name string) (*bolt.Bucket, error) {
	b := t.tx.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("offline: bucket %q missing in %s", name, t.s.path)
	}
	return b, nil
}

func (t *Tx) seal(bucket string, key, plain []byte) ([]byte, error) {
	out, err := t.s.opt.Sealer.Seal(bucket, key, plain)
	if err != nil {
		return nil, fmt.Errorf("offline: sealing %s value: %w", bucket, err)
	}
	return out, nil
}

// open copies the stored bytes out of the memory map before handing them to the Sealer.
func (t *Tx) open(bucket string, key, stored []byte) ([]byte, error) {
	cp := append([]byte(nil), stored...)
	out, err := t.s.opt.Sealer.Open(bucket, key, cp)
	if err != nil {
		if errors.Is(err, ErrUnsealable) {
			return nil, fmt.Errorf("offline: opening %s value: %w", bucket, err)
		}
		return nil, fmt.Errorf("offline: opening %s value: %w: %w", bucket, ErrUnsealable, err)
	}
	return out, nil
}

var errNeedInit = errors.New("offline: store needs initialisation")

// check verifies a store opened read-only and returns its salt, or errNeedInit.
func (t *Tx) check() ([]byte, error) {
	for _, name := range allBuckets {
		if t.tx.Bucket([]byte(name)) == nil {
			return nil, errNeedInit
		}
	}
	meta := t.tx.Bucket([]byte(bucketMeta))
	if meta.Get(metaFormat) == nil || meta.Get(metaSalt) == nil {
		return nil, errNeedInit
	}
	return t.init()
}

// init creates the buckets, checks the layout version and loads (or creates) the salt.
func (t *Tx) init() ([]byte, error) {
	if t.tx.Writable() {
		for _, name := range allBuckets {
			if _, err := t.tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return nil, fmt.Errorf("offline: creating bucket %q: %w", name, err)
			}
		}
	}
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return nil, err
	}
	if v := meta.Get(metaFormat); v == nil {
		if err := meta.Put(metaFormat, []byte{formatVersion}); err != nil {
			return nil, fmt.Errorf("offline: writing format version: %w", err)
		}
	} else if len(v) != 1 || v[0] > formatVersion {
		return nil, fmt.Errorf("offline: %s has layout version %v, this program knows %d", t.s.path, v, formatVersion)
	}
	// The salt is sealed like personal data: once the encrypted layer arrives, keyed hashes
	// cannot be brute-forced from the file alone.
	if v := meta.Get(metaSalt); v != nil {
		salt, err := t.open(bucketMeta, metaSalt, v)
		if err != nil {
			return nil, err
		}
		if len(salt) != 32 {
			return nil, fmt.Errorf("offline: subject salt has %d bytes, want 32", len(salt))
		}
		return salt, nil
	}
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("offline: generating subject salt: %w", err)
	}
	sealed, err := t.seal(bucketMeta, metaSalt, salt)
	if err != nil {
		return nil, err
	}
	if err := meta.Put(metaSalt, sealed); err != nil {
		return nil, fmt.Errorf("offline: writing subject salt: %w", err)
	}
	return salt, nil
}
