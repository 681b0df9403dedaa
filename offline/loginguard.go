package offline

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Login backoff and failed logins.
//
// Every passphrase attempt (Unlock, CheckPassphrase) first reserves itself in the meta record
// metaLoginGuard, which is plain JSON readable without the data key: the attempt is refused at
// once (LoginDelayError) while a delay runs, otherwise the consecutive-failure counters of the
// typed ID and of the whole store are raised before the slow derivation starts, so that
// parallel attempts (several processes) count too and a process killed during the derivation
// still counts. A failed attempt is then kept aside in the same record (operator ID when it
// names an operator, time, outcome; never the typed passphrase nor an unknown ID). The next
// successful unlock (by passphrase or key file) enters those records into the audit chain,
// resets the counters of the operator who logged in and the store's, and starts a new record.
//
// Integrity without the key: the records are MACed with a forward-secure key chain. The
// record at position i carries HMAC(K_i, record) and the key then moves on, K_{i+1} =
// HMAC(K_i, "step"); the file keeps only the current key K_n. K_0 is sealed under the data key
// (metaLoginAnchor) at each successful unlock. Someone who reads the file at some moment
// learns the key of that moment only: records written before it cannot be changed or
// removed without the next unlock noticing (their MACs, or the final key, stop matching); a
// deleted or replaced record is noticed too. What such a person CAN do is written in
// SECURITY.md (roll the record back to a copy, write records after their moment).

// Meta keys of the login guard.
var (
	metaLoginGuard  = []byte("login_guard")  // plain JSON loginGuard
	metaLoginAnchor = []byte("login_anchor") // sealed JSON loginAnchor
)

// LoginPolicy is one backoff schedule: Free consecutive failures cost nothing; after failure
// number Free the next attempt waits Base, then the wait doubles with every further failure,
// up to Cap.
type LoginPolicy struct {
	Free int
	Base time.Duration
	Cap  time.Duration
}

// The two schedules in force: per typed operator ID, and for the store as a whole (someone
// trying many IDs). SECURITY.md lists the resulting waits (TestLoginBackoffSchedule).
var (
	LoginPerOperator = LoginPolicy{Free: 5, Base: 30 * time.Second, Cap: 15 * time.Minute}
	LoginOverall     = LoginPolicy{Free: 20, Base: 30 * time.Second, Cap: 15 * time.Minute}
)

// Delay is the wait after fails consecutive failures before the next attempt.
func (p LoginPolicy) Delay(fails int) time.Duration {
	if fails < p.Free {
		return 0
	}
	d := p.Base
	for i := p.Free; i < fails && d < p.Cap; i++ {
		d *= 2
	}
	return min(d, p.Cap)
}

// Bounds of the login guard record (someone may try thousands of IDs).
const (
	loginMaxIDs      = 128    // per-ID counters kept (the oldest idle one goes first)
	loginMaxFailures = 1000   // failed logins kept aside; later ones are only counted
	loginMaxChain    = 200000 // a longer chain is not walked (reported as broken)
)

// ErrLoginDelayed says there were too many failed logins; the caller must wait. The error is a
// *LoginDelayError that says how long.
var ErrLoginDelayed = errors.New("offline: too many failed logins")

// LoginDelayError says how long to wait before the next passphrase attempt. Cause is nil when
// the attempt was refused without trying the passphrase, or the failure that started the wait
// (ErrBadPassphrase, ErrOperatorDisabled), so errors.Is finds both.
type LoginDelayError struct {
	Wait  time.Duration
	Until time.Time
	Cause error
}

func (e *LoginDelayError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%v; next attempt in %s", e.Cause, e.Wait)
	}
	return fmt.Sprintf("%v: next attempt in %s", ErrLoginDelayed, e.Wait)
}

// Is makes errors.Is(err, ErrLoginDelayed) true.
func (e *LoginDelayError) Is(target error) bool { return target == ErrLoginDelayed }

// Unwrap gives the failure that started the wait.
func (e *LoginDelayError) Unwrap() error { return e.Cause }

type loginCounter struct {
	Fails int       `json:"n"`
	Last  time.Time `json:"last"`
}

// wait is how long from now an attempt must wait under p; a clock set back never makes it
// longer than the delay itself.
func (c loginCounter) wait(p LoginPolicy, now time.Time) time.Duration {
	d := p.Delay(c.Fails)
	if d <= 0 {
		return 0
	}
	w := c.Last.Add(d).Sub(now)
	return min(max(w, 0), d)
}

// failedLogin is a failed attempt kept aside until the next unlock.
type failedLogin struct {
	Operator string    `json:"op,omitempty"` // an existing operator's ID; "" for an unknown ID
	At       time.Time `json:"at"`
	Outcome  string    `json:"outcome"` // "failed" or "disabled"
	MAC      []byte    `json:"mac"`
}

type loginGuard struct {
	Epoch    []byte        `json:"epoch"`
	N        uint64        `json:"n"`   // records chained since the epoch (kept or dropped)
	Key      []byte        `json:"key"` // the chain key K_N
	Failures []failedLogin `json:"failures,omitempty"`
	// Dropped counts the failures chained but not kept (only once loginMaxFailures are kept).
	Dropped uint64 `json:"dropped,omitempty"`
	// Restarted says why this record was started by a failed attempt instead of an unlock:
	// "missing" or "unreadable" (the next unlock reports it).
	Restarted string                  `json:"restarted,omitempty"`
	IDs       map[string]loginCounter `json:"ids,omitempty"` // by loginIDKey
	All       loginCounter            `json:"all"`
}

type loginAnchor struct {
	Epoch []byte `json:"epoch"`
	Key0  []byte `json:"key0"`
}

// loginIDKey is the counter key of a typed ID: a hash, so that an ID typed by mistake (a
// passphrase in the ID field) is not kept in the clear.
func loginIDKey(storeID []byte, id string) string {
	if len(id) > 256 {
		id = id[:256]
	}
	h := sha256.New()
	h.Write([]byte("motcua/login-id/v1\x00"))
	h.Write(storeID)
	h.Write([]byte{0})
	h.Write([]byte(strings.TrimSpace(id)))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func chainStep(k []byte) []byte {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("motcua/login-chain/step"))
	return m.Sum(nil)
}

func failureMAC(k []byte, i uint64, f failedLogin) []byte {
	m := hmac.New(sha256.New, k)
	var n [8]byte
	m.Write([]byte("motcua/login-chain/record\x00"))
	binary.BigEndian.PutUint64(n[:], i)
	m.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(f.At.UnixNano()))
	m.Write(n[:])
	for _, s := range []string{f.Operator, f.Outcome} {
		binary.BigEndian.PutUint32(n[:4], uint32(len(s)))
		m.Write(n[:4])
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

// readLoginGuard reads the guard record; ok is false when it is missing or unreadable (a new
// one is then started, and the next unlock reports it): why says which.
func readLoginGuard(meta *bolt.Bucket) (g loginGuard, ok bool, why string) {
	return parseLoginGuard(meta.Get(metaLoginGuard))
}

func parseLoginGuard(v []byte) (g loginGuard, ok bool, why string) {
	if v == nil {
		return loginGuard{}, false, "missing"
	}
	if len(v) > 1<<20 || json.Unmarshal(v, &g) != nil || len(g.Epoch) != 16 || len(g.Key) != 32 {
		return loginGuard{}, false, "unreadable"
	}
	return g, true, ""
}

// readLoginAnchor opens the sealed anchor (v: its stored value, nil when there is none).
func readLoginAnchor(v []byte, kr *keyring) (a loginAnchor, ok bool) {
	if v == nil {
		return a, false
	}
	plain, err := openWith(kr.sealer, bucketMeta, metaLoginAnchor, v)
	if err != nil || json.Unmarshal(plain, &a) != nil || len(a.Key0) != 32 {
		return loginAnchor{}, false
	}
	return a, true
}

// loginsClean tells whether settleLogins(operator) has nothing to write, from the stored
// guard and anchor (nil when absent): both readable, of the same epoch, no failure kept
// aside, and (for an operator) none counted for that ID or for the store. An unlock that
// finds it so writes nothing (no unit of work that syncs the file).
func loginsClean(guardRaw, anchorRaw []byte, kr *keyring, operator string) bool {
	g, haveGuard, _ := parseLoginGuard(guardRaw)
	anchor, haveAnchor := readLoginAnchor(anchorRaw, kr)
	if !haveGuard || !haveAnchor || !bytes.Equal(g.Epoch, anchor.Epoch) || g.N != 0 {
		return false
	}
	if operator == "" {
		return true
	}
	_, counted := g.IDs[loginIDKey(kr.storeID, operator)]
	return !counted && g.All.Fails == 0
}

func newLoginChain() (epoch, key0 []byte, err error) {
	if epoch, err = randomBytes(16); err != nil {
		return nil, nil, err
	}
	key0, err = randomBytes(32)
	return epoch, key0, err
}

func putLoginGuard(meta *bolt.Bucket, g loginGuard) error {
	v, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("offline: login guard: %w", err)
	}
	if err := meta.Put(metaLoginGuard, v); err != nil {
		return fmt.Errorf("offline: writing login guard: %w", err)
	}
	return nil
}

// guardForWrite reads the guard record, starting an unanchored one when it is missing or
// unreadable.
func guardForWrite(meta *bolt.Bucket) (loginGuard, error) {
	g, ok, why := readLoginGuard(meta)
	if ok {
		return g, nil
	}
	epoch, key0, err := newLoginChain()
	if err != nil {
		return loginGuard{}, err
	}
	return loginGuard{Epoch: epoch, Key: key0, Restarted: why}, nil
}

// reserveLogin refuses the attempt while a delay runs (*LoginDelayError), otherwise counts
// it as a failure in advance (undone by a successful unlock).
func (t *Tx) reserveLogin(storeID []byte, id string, now time.Time) error {
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return err
	}
	g, err := guardForWrite(meta)
	if err != nil {
		return err
	}
	key := loginIDKey(storeID, id)
	c := g.IDs[key]
	if w := max(c.wait(LoginPerOperator, now), g.All.wait(LoginOverall, now)); w > 0 {
		return &LoginDelayError{Wait: w, Until: now.Add(w)}
	}
	if g.IDs == nil {
		g.IDs = map[string]loginCounter{}
	}
	if _, ok := g.IDs[key]; !ok && len(g.IDs) >= loginMaxIDs {
		evictLoginID(g.IDs, now)
	}
	g.IDs[key] = loginCounter{Fails: c.Fails + 1, Last: now}
	g.All = loginCounter{Fails: g.All.Fails + 1, Last: now}
	return putLoginGuard(meta, g)
}

// evictLoginID drops the counter whose delay ended longest ago (or, if all still run, the
// oldest one).
func evictLoginID(ids map[string]loginCounter, now time.Time) {
	var victim string
	var best time.Time
	for k, c := range ids {
		end := c.Last.Add(LoginPerOperator.Delay(c.Fails))
		if victim == "" || end.Before(best) {
			victim, best = k, end
		}
	}
	delete(ids, victim)
}

// recordFailedLogin keeps a failed attempt aside and returns the wait before the next one
// for that ID.
func (t *Tx) recordFailedLogin(storeID []byte, id, op, outcome string, now time.Time) (time.Duration, error) {
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return 0, err
	}
	g, err := guardForWrite(meta)
	if err != nil {
		return 0, err
	}
	f := failedLogin{Operator: op, At: now.UTC().Round(0), Outcome: outcome}
	f.MAC = failureMAC(g.Key, g.N, f)
	if len(g.Failures) < loginMaxFailures {
		g.Failures = append(g.Failures, f)
	} else {
		g.Dropped++
	}
	g.N++
	g.Key = chainStep(g.Key)
	c := g.IDs[loginIDKey(storeID, id)]
	if c.Fails == 0 { // the reservation was lost (record replaced meanwhile): count it now
		c = loginCounter{Fails: 1, Last: now}
		if g.IDs == nil {
			g.IDs = map[string]loginCounter{}
		}
		g.IDs[loginIDKey(storeID, id)] = c
	}
	w := max(c.wait(LoginPerOperator, now), g.All.wait(LoginOverall, now))
	return w, putLoginGuard(meta, g)
}

// loginFailed records a failed attempt and returns the error for the caller: cause, or a
// *LoginDelayError around it when the next attempt must wait.
func (s *Store) loginFailed(storeID []byte, id string, known bool, cause error, now time.Time) error {
	op, outcome := "", "failed"
	if known {
		op = id
	}
	if errors.Is(cause, ErrOperatorDisabled) {
		outcome = "disabled"
	}
	var wait time.Duration
	err := s.run(false, false, func(tx *Tx) (err error) {
		wait, err = tx.recordFailedLogin(storeID, id, op, outcome, now)
		return err
	})
	if err != nil {
		return errors.Join(cause, err)
	}
	if wait > 0 {
		return &LoginDelayError{Wait: wait, Until: now.Add(wait), Cause: cause}
	}
	return cause
}

// reserveLogin is the first unit of work of a passphrase attempt: it reads what the
// derivation needs through read, then reserves the attempt.
func (s *Store) reserveLogin(id string, now time.Time, read func(tx *Tx) ([]byte, error)) error {
	return s.run(false, false, func(tx *Tx) error {
		storeID, err := read(tx)
		if err != nil {
			return err
		}
		return tx.reserveLogin(storeID, id, now)
	})
}

// settleLogins runs after a successful unlock (the store holds the data key): it enters the
// failed logins kept aside into the audit chain, with an entry when the guard record was
// missing, replaced or broken, resets the counters of operator (when not "") and of the store,
// and anchors a new chain. It writes nothing when there is nothing to settle.
func (t *Tx) settleLogins(operator string) error {
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return err
	}
	kr := t.s.keys
	if loginsClean(meta.Get(metaLoginGuard), meta.Get(metaLoginAnchor), kr, operator) {
		return nil
	}
	g, haveGuard, why := readLoginGuard(meta)
	anchor, haveAnchor := readLoginAnchor(meta.Get(metaLoginAnchor), kr)
	idKey := ""
	if operator != "" {
		idKey = loginIDKey(kr.storeID, operator)
	}

	// Which records can be trusted: walk the chain from the anchored K_0.
	problem := ""
	verified := make([]bool, len(g.Failures))
	switch {
	case !haveAnchor && !haveGuard:
	case !haveAnchor:
		if g.N > 0 {
			problem = "unanchored"
		}
	case !haveGuard:
		problem = why
	case !bytes.Equal(g.Epoch, anchor.Epoch):
		problem = "replaced"
		if g.Restarted != "" {
			problem = g.Restarted
		}
	case g.N > loginMaxChain:
		problem = "chain"
	default:
		k := anchor.Key0
		for i := uint64(0); i < g.N; i++ {
			if i < uint64(len(g.Failures)) {
				f := g.Failures[i]
				verified[i] = hmac.Equal(f.MAC, failureMAC(k, i, f))
				if !verified[i] && problem == "" {
					problem = fmt.Sprintf("chain=%d", i)
				}
			}
			k = chainStep(k)
		}
		countOK := uint64(len(g.Failures))+g.Dropped == g.N && (g.Dropped == 0 || len(g.Failures) == loginMaxFailures)
		if problem == "" && (!countOK || !hmac.Equal(k, g.Key)) {
			problem = "chain"
		}
	}

	failed := 0
	if haveGuard {
		for i, f := range g.Failures {
			op := f.Operator
			if op == "" || !validOperatorID(op) {
				op = "?"
			}
			outcome := f.Outcome
			if outcome != "disabled" {
				outcome = "failed"
			}
			detail := ""
			if !verified[i] {
				detail = "unverified"
			}
			if err := t.LogAccess(AccessEntry{Time: f.At, Operator: op, Purpose: PurposeAdmin, Action: ActionLogin,
				Outcome: outcome, Detail: detail}); err != nil {
				return err
			}
			failed++
		}
		if kept := uint64(len(g.Failures)); g.N > kept {
			if err := t.LogAccess(AccessEntry{Operator: "?", Purpose: PurposeAdmin, Action: ActionLogin,
				Outcome: "failed", Detail: fmt.Sprintf("not_kept=%d", g.N-kept)}); err != nil {
				return err
			}
		}
	}
	if problem != "" && problem != "unanchored" {
		if err := t.logAdmin(ActionLogin, "guard_"+problem); err != nil {
			return err
		}
	}
	if failed > 0 {
		if err := t.LogAccess(AccessEntry{Operator: t.s.actorOr(), Purpose: PurposeAdmin, Action: ActionLogin,
			Outcome: "ok", Detail: fmt.Sprintf("failed_before=%d", failed)}); err != nil {
			return err
		}
	}

	// A new chain, anchored under the data key; the counters of whoever logged in restart.
	epoch, key0, err := newLoginChain()
	if err != nil {
		return err
	}
	ng := loginGuard{Epoch: epoch, Key: key0, IDs: g.IDs, All: g.All}
	if idKey != "" {
		delete(ng.IDs, idKey)
		ng.All = loginCounter{}
	}
	return t.putLoginAnchor(meta, ng, loginAnchor{Epoch: epoch, Key0: key0})
}

func (t *Tx) putLoginAnchor(meta *bolt.Bucket, g loginGuard, a loginAnchor) error {
	plain, err := json.Marshal(a)
	if err != nil {
		return err
	}
	sealed, err := t.seal(bucketMeta, metaLoginAnchor, plain)
	if err != nil {
		return err
	}
	if err := meta.Put(metaLoginAnchor, sealed); err != nil {
		return fmt.Errorf("offline: writing login anchor: %w", err)
	}
	return putLoginGuard(meta, g)
}

// anchorLogins starts an anchored guard record (Init).
func (t *Tx) anchorLogins(meta *bolt.Bucket) error {
	epoch, key0, err := newLoginChain()
	if err != nil {
		return err
	}
	return t.putLoginAnchor(meta, loginGuard{Epoch: epoch, Key: key0}, loginAnchor{Epoch: epoch, Key0: key0})
}

// settleLogins is Tx.settleLogins as its own unit of work.
func (s *Store) settleLogins(operator string) error {
	return s.Update(func(tx *Tx) error { return tx.settleLogins(operator) })
}

// FormatWait writes a wait in Vietnamese for the clerk: "45 giây", "2 phút 30 giây".
func FormatWait(d time.Duration) string {
	sec := int64((d + time.Second - 1) / time.Second)
	if sec < 1 {
		sec = 1
	}
	h, m, s := sec/3600, sec%3600/60, sec%60
	var parts []string
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%d giờ", h))
	}
	if m > 0 {
		parts = append(parts, fmt.Sprintf("%d phút", m))
	}
	if s > 0 {
		parts = append(parts, fmt.Sprintf("%d giây", s))
	}
	return strings.Join(parts, " ")
}
