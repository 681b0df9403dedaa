package card

import (
	"context"
	"errors"
	"fmt"

	"motcua/lookups/card/icao"
)

// access opens the chip: PACE when EF.CardAccess announces a protocol this
// reader speaks, BAC otherwise or when PACE with the CAN fails and an MRZ key
// is known.
func (rd *reading) access(ctx context.Context) error {
	s, key := rd.s, rd.key
	var paceErr error
	if ca, err := s.readCardAccess(ctx); err == nil {
		var info *PACEInfo
		if si, err := ParseSecurityInfos(ca); err == nil {
			for i := range si.PACE {
				if si.PACE[i].supported() {
					info = &si.PACE[i]
					break
				}
			}
		}
		if info == nil {
			paceErr = errNoPACE
		} else {
			if paceErr = rd.openPACE(ctx, *info); paceErr == nil || rd.pace != nil {
				return paceErr // opened (an error after PACE is the session's, not PACE's)
			}
			if errors.Is(paceErr, ErrRemoved) || ctx.Err() != nil {
				return paceErr
			}
		}
	} else if errors.Is(err, ErrRemoved) || ctx.Err() != nil {
		return err
	}
	if !key.hasMRZ() {
		if paceErr == nil {
			paceErr = errNoPACE
		}
		if errors.Is(paceErr, ErrAccessDenied) {
			return paceErr
		}
		return fmt.Errorf("%w: PACE: %v", ErrNeedMRZ, paceErr)
	}
	return rd.openBAC(ctx)
}

// openPACE runs PACE with the CAN (or the MRZ when no CAN is known) and
// selects the applet under the new keys.
func (rd *reading) openPACE(ctx context.Context, info PACEInfo) error {
	s, key := rd.s, rd.key
	pw, mrz := key.CAN, false
	if pw == "" {
		info2, err := icao.MRZInfo(key.DocNo, key.Birth, key.Expiry)
		if err != nil {
			return err
		}
		pw, mrz = info2, true
	}
	s.restart()
	rd.pace = nil
	if err := s.pace(ctx, info, pw, mrz, rd.rnd); err != nil {
		return err
	}
	rd.pace = &info
	rd.res.Access = "PACE-CAN"
	if mrz {
		rd.res.Access = "PACE-MRZ"
	}
	return s.selectApplet(ctx)
}

// openBAC selects the applet in plain and runs BAC with the MRZ key.
func (rd *reading) openBAC(ctx context.Context) error {
	s := rd.s
	s.restart()
	if err := s.selectApplet(ctx); err != nil {
		return err
	}
	if err := s.bac(ctx, rd.key, rd.rnd); err != nil {
		return err
	}
	rd.pace = nil
	rd.res.Access = "BAC"
	return nil
}

// reopen runs access control again with the method that opened the chip
// (the chip ended secure messaging), then chip authentication when it had
// run: the reader goes on under new keys, never in plain text.
func (rd *reading) reopen(ctx context.Context) error {
	var err error
	if rd.pace != nil {
		err = rd.openPACE(ctx, *rd.pace)
	} else {
		err = rd.openBAC(ctx)
	}
	if err != nil {
		return err
	}
	if rd.caKeys != nil {
		rd.caKeys = nil
		return rd.chipAuth(ctx)
	}
	return nil
}

// readEF reads an elementary file of the applet. A chip that answers a
// short-identifier read without secure messaging (some do, with 6A86, 6981,
// 6B00 or 6A82) has dropped the channel: access control runs again, once,
// and the file (and every later one) is read by SELECT under the new keys.
func (rd *reading) readEF(ctx context.Context, fid uint16, what string) ([]byte, error) {
	b, err := rd.s.readFile(ctx, fid, what)
	var ue *UnprotectedError
	if errors.As(err, &ue) && ue.SFI && !rd.restarted {
		rd.restarted = true
		rd.s.noSFI = true
		if err := rd.reopen(ctx); err != nil {
			return nil, err
		}
		b, err = rd.s.readFile(ctx, fid, what)
	}
	if err == nil {
		rd.settleChip()
	}
	return b, err
}
