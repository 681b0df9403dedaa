package offline

import "time"

// The methods below are one unit of work each; they wrap the Tx method of the same name.

// PutLookup caches a look-up answer; see Tx.PutLookup.
func (s *Store) PutLookup(id string, value []byte, fetchedAt time.Time) error {
	return s.Update(func(tx *Tx) error { return tx.PutLookup(id, value, fetchedAt) })
}

// GetLookup returns a cached answer younger than maxAge; see Tx.GetLookup.
func (s *Store) GetLookup(id string, maxAge time.Duration) (value []byte, fetchedAt time.Time, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		value, fetchedAt, ok, err = tx.GetLookup(id, maxAge)
		return err
	})
	return value, fetchedAt, ok, err
}

// DeleteLookup removes a cached answer; see Tx.DeleteLookup.
func (s *Store) DeleteLookup(id string) (found bool, err error) {
	err = s.Update(func(tx *Tx) error { found, err = tx.DeleteLookup(id); return err })
	return found, err
}

// SweepLookups removes cached answers of age maxAge or more; see Tx.SweepLookups.
func (s *Store) SweepLookups(maxAge time.Duration) (removed int, err error) {
	err = s.Update(func(tx *Tx) error { removed, err = tx.SweepLookups(maxAge); return err })
	return removed, err
}

// CacheStats counts cached answers; see Tx.CacheStats.
func (s *Store) CacheStats(maxAge time.Duration) (st CacheStats, err error) {
	err = s.View(func(tx *Tx) error { st, err = tx.CacheStats(maxAge); return err })
	return st, err
}

// NextDossierCode reserves the next dossier code; see Tx.NextDossierCode.
func (s *Store) NextDossierCode(agency string, counter int, day time.Time) (code string, err error) {
	err = s.Update(func(tx *Tx) error { code, err = tx.NextDossierCode(agency, counter, day); return err })
	return code, err
}

// PutDossier stores a dossier; see Tx.PutDossier.
func (s *Store) PutDossier(d DossierInfo, blob []byte) error {
	return s.Update(func(tx *Tx) error { return tx.PutDossier(d, blob) })
}

// GetDossier reads a dossier; see Tx.GetDossier.
func (s *Store) GetDossier(code string) (blob []byte, info DossierInfo, err error) {
	err = s.View(func(tx *Tx) error { blob, info, err = tx.GetDossier(code); return err })
	return blob, info, err
}

// SetDossierState changes a dossier's state; see Tx.SetDossierState.
func (s *Store) SetDossierState(code, state string) error {
	return s.Update(func(tx *Tx) error { return tx.SetDossierState(code, state) })
}

// ListDossiers lists dossier index entries; see Tx.ListDossiers.
func (s *Store) ListDossiers(f DossierFilter) (out []DossierInfo, err error) {
	err = s.View(func(tx *Tx) error { out, err = tx.ListDossiers(f); return err })
	return out, err
}

// PutReceipt stores a receipt PDF; see Tx.PutReceipt.
func (s *Store) PutReceipt(code string, pdf []byte) error {
	return s.Update(func(tx *Tx) error { return tx.PutReceipt(code, pdf) })
}

// GetReceipt reads a receipt PDF; see Tx.GetReceipt.
func (s *Store) GetReceipt(code string) (pdf []byte, err error) {
	err = s.View(func(tx *Tx) error { pdf, err = tx.GetReceipt(code); return err })
	return pdf, err
}

// LogAccess appends to the access log; see Tx.LogAccess.
func (s *Store) LogAccess(e AccessEntry) error {
	return s.Update(func(tx *Tx) error { return tx.LogAccess(e) })
}

// AccessLog reads the access log; see Tx.AccessLog.
func (s *Store) AccessLog() (out []AccessEntry, err error) {
	err = s.View(func(tx *Tx) error { out, err = tx.AccessLog(); return err })
	return out, err
}

// PutDraft stores a draft; see Tx.PutDraft.
func (s *Store) PutDraft(d DraftInfo, blob []byte) error {
	return s.Update(func(tx *Tx) error { return tx.PutDraft(d, blob) })
}

// GetDraft reads a draft; see Tx.GetDraft.
func (s *Store) GetDraft(id string) (blob []byte, info DraftInfo, err error) {
	err = s.View(func(tx *Tx) error { blob, info, err = tx.GetDraft(id); return err })
	return blob, info, err
}
