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
func (rd *reading) access(ctx context.Context, key Key) error {
	s := rd.s
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
			pw, mrz := key.CAN, false
			if pw == "" {
				info2, err := icao.MRZInfo(key.DocNo, key.Birth, key.Expiry)
				if err != nil {
					return err
				}
				pw, mrz = info2, true
			}
			if paceErr = s.pace(ctx, *info, pw, mrz, rd.rnd); paceErr == nil {
				rd.res.Access = "PACE-CAN"
				if mrz {
					rd.res.Access = "PACE-MRZ"
				}
				return s.selectApplet(ctx)
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
	s.keys = nil
	if err := s.selectApplet(ctx); err != nil {
		return err
	}
	if err := s.bac(ctx, key, rd.rnd); err != nil {
		return err
	}
	rd.res.Access = "BAC"
	return nil
}
