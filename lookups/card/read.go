package card

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"motcua/lookups"
	"motcua/lookups/card/icao"
)

// Options tune one card read.
type Options struct {
	Trust *TrustStore // CSCA certificates; nil or empty: signatures can only be "valid, CSCA unknown"
	Rand  io.Reader   // nil: crypto/rand (known-answer tests feed exact nonces)
	Trace io.Writer   // APDU trace: command headers and status words only
	// NoFace skips DG2 (the portrait is the largest file).
	NoFace bool
	// Log receives one English line per problem the clerk sees a message
	// for (a file that does not parse, and why): causes, never card data.
	Log io.Writer
}

const (
	StageAccess    Stage = iota // opening the chip (PACE or BAC)
	StageIdentity               // DG13 read: identity can be shown, marked "verifying"
	StageVerifying              // reading the files the checks need
	StageVerified               // passive, active and chip authentication decided
	StageFace                   // the portrait is read
)

// reading carries one read's state.
type reading struct {
	s        *session
	opt      Options
	rnd      io.Reader
	start    time.Time
	res      *Result
	progress func(Progress)
	files    map[int][]byte
	sec      *SecurityInfos // DG14
	sod      *SOD           // parsed once passive authentication has run

	key       Key
	pace      *PACEInfo  // the PACE protocol that opened the chip; nil after BAC
	caKeys    *icao.Keys // the keys chip authentication yielded; nil before
	restarted bool       // access control ran a second time

	signed     bool  // EF.SOD's signature verified
	listed     []int // the data groups the card holds (EF.SOD's list)
	unreadable []int // listed groups the chip refused
}

func (rd *reading) report(stage Stage, step string) {
	rd.res.APDUs = rd.s.link.APDUs()
	rd.res.Elapsed = time.Since(rd.start)
	if rd.progress != nil {
		rd.progress(Progress{Stage: stage, Step: step, APDUs: rd.res.APDUs, Result: rd.res.Clone()})
	}
}

// Read runs the whole conversation with a card on t: access control (PACE
// with the CAN when the card announces it, else or on failure BAC with the
// MRZ key), EF.COM, DG13 (identity reported at once), DG14 and chip
// authentication, DG15 and active authentication, DG1, EF.SOD and passive
// authentication, then DG2. Checks that fail are states in the result, not
// errors; an error means the read could not finish (card removed, wrong key),
// and the result then holds what was read.
func Read(ctx context.Context, t Transport, key Key, opt Options, progress func(Progress)) (*Result, error) {
	rd := &reading{opt: opt, rnd: opt.Rand, start: time.Now(), progress: progress, files: map[int][]byte{},
		res: &Result{Files: map[int]State{}}, key: key}
	if rd.rnd == nil {
		rd.rnd = rand.Reader
	}
	link := NewLink(t, opt.Trace)
	rd.s = &session{link: link, extended: ExtendedLength(t.ATR())}
	rd.res.Extended = rd.s.extended
	err := rd.run(ctx)
	rd.res.APDUs = link.APDUs()
	rd.res.Elapsed = time.Since(rd.start)
	if err != nil {
		rd.interrupted()
		rd.logf("read ended after %d APDUs: %v", rd.res.APDUs, err)
	}
	return rd.res, err
}

func (rd *reading) run(ctx context.Context) error {
	if rd.key.CAN == "" && !rd.key.hasMRZ() {
		return ErrNoKey
	}
	rd.report(StageAccess, "Đang mở khóa chip…")
	if err := rd.access(ctx); err != nil {
		return err
	}
	comRaw, err := rd.readEF(ctx, FIDCOM, "EF.COM")
	if err != nil {
		return err
	}
	com, err := ParseCOM(comRaw)
	if err != nil {
		return err
	}
	// identity first
	if err := rd.readDG(ctx, 13); err != nil {
		if sw, ok := SW(err); ok && sw == SWFileNotFound {
			return fmt.Errorf("%w (%v)", ErrNoDG13, err)
		}
		return err
	}
	id, err := ParseDG13(rd.files[13])
	if id == nil {
		rd.logf("DG13 does not parse: %v", err)
		return err
	}
	if err != nil { // some items unreadable: the others are shown, the read goes on
		rd.logf("%v", err)
		rd.res.IdentityNote = unreadableNote(id.Unreadable)
	}
	id.CardKind = cardKind(id.IssueDate)
	rd.res.Identity = id
	rd.res.IdentityAfter = time.Since(rd.start)
	rd.report(StageIdentity, "Đã đọc thông tin công dân; đang xác thực chip…")

	// The signed EF.SOD says which data groups the card holds; EF.COM is
	// only an unsigned table of contents, read when EF.SOD is not.
	if err := rd.loadSOD(ctx); err != nil {
		return err
	}
	rd.listed = com.DataGroups
	if rd.sod != nil {
		rd.listed = slices.Sorted(maps.Keys(rd.sod.Hashes))
	}

	rd.res.MRZMatch = NotOffered
	if rd.lists(1) {
		rd.res.MRZMatch = Pending
	}

	// chip authentication first, so every later read proves the chip holds the DG14 key
	rd.res.Chip = NotOffered
	if rd.lists(14) {
		switch err := rd.readListed(ctx, 14); {
		case errors.Is(err, errUnreadable):
			rd.res.Chip, rd.res.ChipNote = Failed, "Chip không cho đọc DG14 (khóa xác thực chip) dù EF.SOD liệt kê."
		case err != nil:
			return err
		default:
			if rd.sec, err = ParseSecurityInfos(rd.files[14]); err != nil {
				rd.res.Chip, rd.res.ChipNote = Failed, "DG14 không đọc được cấu trúc."
			} else if err := rd.chipAuth(ctx); err != nil {
				return err
			}
		}
	}
	// active authentication
	rd.res.Active = NotOffered
	if rd.lists(15) {
		switch err := rd.readListed(ctx, 15); {
		case errors.Is(err, errUnreadable):
			rd.res.Active, rd.res.ActiveNote = Failed, "Chip không cho đọc DG15 (khóa xác thực chủ động) dù EF.SOD liệt kê."
		case err != nil:
			if rd.chipFailed(err) {
				return nil
			}
			return err
		default:
			if err := rd.activeAuth(ctx); err != nil {
				return err
			}
		}
	}
	if rd.res.Chip == Pending { // no verified answer under the chip-authentication keys yet: ask for one
		if _, err := rd.readEF(ctx, FIDCOM, "EF.COM"); err != nil {
			if rd.chipFailed(err) {
				return nil
			}
			return err
		}
	}
	rd.report(StageVerifying, "Đang kiểm tra chữ ký số của dữ liệu…")
	for _, n := range rd.listed {
		switch {
		case n == 3 || n == 4:
			rd.res.Files[n] = NotChecked // fingerprints, iris: extended access control, not claimed
			continue
		case n == 2 || rd.files[n] != nil || rd.res.Files[n] == Failed:
			continue // the portrait comes last; the rest is read
		}
		if err := rd.readListed(ctx, n); err != nil && !errors.Is(err, errUnreadable) {
			if rd.chipFailed(err) {
				return nil
			}
			return err
		}
		if n == 1 && rd.files[1] != nil {
			rd.checkMRZ(id)
		}
	}
	if rd.res.MRZMatch == Pending { // DG1 listed but not given: passive authentication says so
		rd.res.MRZMatch = NotChecked
	}
	rd.passive()
	rd.res.VerifiedAfter = time.Since(rd.start)
	rd.report(StageVerified, "Đã xác thực; đang đọc ảnh chân dung…")
	if rd.lists(2) {
		if rd.opt.NoFace {
			rd.res.Files[2] = NotChecked
		} else {
			if err := rd.readListed(ctx, 2); err != nil && !errors.Is(err, errUnreadable) {
				return err
			}
			switch {
			case rd.files[2] != nil:
				if f, err := ParseDG2(rd.files[2]); err == nil {
					rd.res.Face = f
				} else {
					rd.logf("DG2 does not parse: %v", err)
					rd.res.FaceNote = "Ảnh chân dung trong DG2 không đọc được (không phải ảnh JPEG hay JPEG 2000): không đối chiếu được bằng ảnh trên chip."
				}
			case rd.res.Files[2] == Failed:
				rd.res.FaceNote = "Chip không cho đọc ảnh chân dung (DG2)."
			}
			rd.checkHashes()
		}
	}
	rd.report(StageFace, "Đã đọc xong thẻ.")
	return nil
}

// errUnreadable: the chip refused, with a verified status word, a data
// group its EF.SOD lists; the group's check has failed.
var errUnreadable = errors.New("card: a listed data group cannot be read")

// lists reports whether the card holds data group n (EF.SOD's list, or
// EF.COM's when EF.SOD could not be read).
func (rd *reading) lists(n int) bool { return slices.Contains(rd.listed, n) }

// readListed reads data group n, which the card says it holds: a refusal
// (a verified status word: 6A82, 6982...) makes it a failed check, not an
// end of the read.
func (rd *reading) readListed(ctx context.Context, n int) error {
	err := rd.readDG(ctx, n)
	if _, ok := SW(err); ok {
		rd.res.Files[n] = Failed
		rd.unreadable = append(rd.unreadable, n)
		return fmt.Errorf("%w: DG%d: %w", errUnreadable, n, err)
	}
	return err
}

// chipFailed tells whether err is the chip failing the secure messaging
// after chip authentication, recording it as the chip check's outcome.
func (rd *reading) chipFailed(err error) bool {
	if rd.res.Chip != Pending {
		return false
	}
	sw, _ := SW(err)
	if errors.Is(err, ErrSecureMessaging) || errors.Is(err, ErrUnprotected) || errors.Is(err, ErrSessionClosed) || sw == SWSMObjectsWrong {
		rd.res.Chip = Failed
		rd.res.ChipNote = "Chip không chứng minh được khóa bí mật của thẻ (nghi thẻ sao chép)."
		rd.res.Active, rd.res.Passive = orInterrupted(rd.res.Active), orInterrupted(rd.res.Passive)
		rd.interrupted()
		rd.report(StageVerified, "Chip không vượt qua xác thực chip.")
		return true
	}
	return false
}

// interrupted marks what the read did not get to: checks still pending,
// and listed data groups not read or not yet checked.
func (rd *reading) interrupted() {
	for _, st := range []*State{&rd.res.Passive, &rd.res.Active, &rd.res.Chip, &rd.res.MRZMatch} {
		*st = orInterrupted(*st)
	}
	for _, n := range rd.listed {
		if s, ok := rd.res.Files[n]; !ok || s == Pending {
			rd.res.Files[n] = Interrupted
		}
	}
	for n, s := range rd.res.Files {
		if s == Pending {
			rd.res.Files[n] = Interrupted
		}
	}
	if rd.res.Files[2] == Interrupted && rd.res.Face == nil && rd.res.FaceNote == "" {
		rd.res.FaceNote = "Chưa đọc được ảnh chân dung: việc đọc thẻ bị dừng giữa chừng."
	}
}

func orInterrupted(s State) State {
	if s == Pending {
		return Interrupted
	}
	return s
}

func (rd *reading) readDG(ctx context.Context, n int) error {
	b, err := rd.readEF(ctx, DGFID(n), fmt.Sprintf("DG%d", n))
	if err != nil {
		return err
	}
	rd.files[n] = b
	rd.res.Files[n] = Pending
	return nil
}

// logf writes one line to Options.Log: English, the cause of a problem,
// never card data.
func (rd *reading) logf(format string, args ...any) {
	if rd.opt.Log != nil {
		fmt.Fprintf(rd.opt.Log, "card: "+format+"\n", args...)
	}
}

// cardKind guesses the card generation from its issue date: Căn cước cards
// are issued from 1/7/2024.
func cardKind(issue lookups.Date) lookups.CardKind {
	switch {
	case issue.IsZero():
		return ""
	case issue.Before(lookups.NewDate(2024, time.July, 1)):
		return lookups.CardCCCD2021
	}
	return lookups.CardCC2024
}
