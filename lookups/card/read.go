package card

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"time"

	"motcua/lookups"
	"motcua/lookups/card/icao"
)

// Options tune one card read.
type Options struct {
	Trust *TrustStore      // CSCA certificates; nil or empty: signatures can only be "valid, CSCA unknown"
	Rand  io.Reader        // nil: crypto/rand (known-answer tests feed exact nonces)
	Trace io.Writer        // APDU trace: command headers and status words only
	Now   func() time.Time // nil: time.Now
	// NoFace skips DG2 (the portrait is the largest file).
	NoFace bool
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
		for _, st := range []*State{&rd.res.Passive, &rd.res.Active, &rd.res.Chip} {
			if *st == Pending {
				*st = Interrupted
			}
		}
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
	if !com.Has(13) {
		return fmt.Errorf("%w: the card has no DG13", ErrLDS)
	}
	// identity first
	if err := rd.readDG(ctx, 13); err != nil {
		return err
	}
	id, err := ParseDG13(rd.files[13])
	if err != nil {
		return err
	}
	id.CardKind = cardKind(id.IssueDate)
	rd.res.Identity = id
	rd.res.IdentityAfter = time.Since(rd.start)
	rd.report(StageIdentity, "Đã đọc thông tin công dân; đang xác thực chip…")

	// chip authentication first, so every later read proves the chip holds the DG14 key
	rd.res.Chip = NotOffered
	if com.Has(14) {
		if err := rd.readDG(ctx, 14); err != nil {
			return err
		}
		if rd.sec, err = ParseSecurityInfos(rd.files[14]); err != nil {
			rd.res.Chip, rd.res.ChipNote = Failed, "DG14 không đọc được cấu trúc."
		} else if err := rd.chipAuth(ctx); err != nil {
			return err
		}
	}
	// active authentication
	rd.res.Active = NotOffered
	if com.Has(15) {
		if err := rd.readDG(ctx, 15); err != nil {
			if rd.chipFailed(err) {
				return nil
			}
			return err
		}
		if err := rd.activeAuth(ctx); err != nil {
			return err
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
	if com.Has(1) {
		if err := rd.readDG(ctx, 1); err != nil {
			return err
		}
		if m, err := ParseDG1(rd.files[1]); err == nil {
			rd.res.MRZ = m
			if id.ID == "" {
				id.ID = m.ID
			}
		}
	}
	sodRaw, err := rd.readEF(ctx, FIDSOD, "EF.SOD")
	if err != nil {
		return err
	}
	rd.passive(sodRaw)
	rd.res.VerifiedAfter = time.Since(rd.start)
	rd.report(StageVerified, "Đã xác thực; đang đọc ảnh chân dung…")
	if com.Has(2) && !rd.opt.NoFace {
		if err := rd.readDG(ctx, 2); err != nil {
			return err
		}
		if f, err := ParseDG2(rd.files[2]); err == nil {
			rd.res.Face = f
		}
		rd.checkHashes()
	}
	rd.report(StageFace, "Đã đọc xong thẻ.")
	return nil
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
		rd.report(StageVerified, "Chip không vượt qua xác thực chip.")
		return true
	}
	return false
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

func (rd *reading) activeAuth(ctx context.Context) error {
	pub, err := ParseDG15(rd.files[15])
	if err != nil {
		rd.res.Active, rd.res.ActiveNote = Failed, "DG15 không đọc được khóa."
		return nil
	}
	var alg = rd.aaAlg()
	rd.res.Active = Pending
	err = rd.s.activeAuth(ctx, pub, alg, rd.rnd)
	switch {
	case err == nil:
		rd.res.Active = Passed
	case rd.chipFailed(err):
		return nil
	case errors.Is(err, ErrRemoved) || ctx.Err() != nil:
		return err
	default:
		if _, ok := SW(err); ok || !errors.Is(err, ErrSecureMessaging) {
			rd.res.Active = Failed
			rd.res.ActiveNote = "Chip không ký đúng thử thách bằng khóa trong DG15 (nghi thẻ sao chép)."
			return nil
		}
		return err
	}
	return nil
}

func (rd *reading) aaAlg() asn1.ObjectIdentifier {
	if rd.sec != nil {
		return rd.sec.AASigAlg
	}
	return nil
}

// passive runs passive authentication: the SOD's signature, its signer's
// chain to a trusted CSCA, and every data group read against its hash.
func (rd *reading) passive(sodRaw []byte) {
	sod, err := ParseSOD(sodRaw)
	if err != nil {
		rd.res.Passive, rd.res.PassiveNote = Failed, "EF.SOD hỏng hoặc không đúng cấu trúc."
		return
	}
	rd.sod = sod
	if sod.Signer != nil {
		rd.res.Signer = sod.Signer.Subject.String()
	}
	if err := sod.CheckSignature(); err != nil {
		rd.res.Passive, rd.res.PassiveNote = Failed, "Chữ ký số trên EF.SOD không hợp lệ."
		return
	}
	rd.checkHashesWith(sod)
	if rd.res.Passive == Failed {
		return
	}
	at := sod.SigningTime
	if at.IsZero() {
		at = rd.now()
	}
	if err := rd.opt.Trust.chains(sod.Signer, at); err != nil {
		rd.res.Passive = Untrusted
		rd.res.PassiveNote = "Chữ ký hợp lệ nhưng chứng thư CSCA của cơ quan cấp chưa có trong kho tin cậy."
		return
	}
	rd.res.Passive = Passed
}

// checkHashes checks the files read after passive authentication (DG2)
// against the SOD it parsed.
func (rd *reading) checkHashes() {
	if rd.res.Passive == Failed || rd.sod == nil {
		return
	}
	rd.checkHashesWith(rd.sod)
}

func (rd *reading) checkHashesWith(sod *SOD) {
	for n, b := range rd.files {
		want, ok := sod.Hashes[n]
		switch {
		case !ok:
			rd.res.Files[n] = Failed
		case string(sod.HashFile(b)) != string(want):
			rd.res.Files[n] = Failed
		default:
			rd.res.Files[n] = Passed
		}
		if rd.res.Files[n] == Failed {
			rd.res.Passive = Failed
			rd.res.PassiveNote = fmt.Sprintf("Dữ liệu DG%d trên chip không khớp chữ ký số (dữ liệu bị sửa).", n)
			switch n {
			case 14:
				rd.res.Chip, rd.res.ChipNote = Failed, "Khóa xác thực chip (DG14) không được ký hợp lệ."
			case 15:
				rd.res.Active, rd.res.ActiveNote = Failed, "Khóa xác thực chủ động (DG15) không được ký hợp lệ."
			}
		}
	}
}

func (rd *reading) now() time.Time {
	if rd.opt.Now != nil {
		return rd.opt.Now()
	}
	return time.Now()
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
