package counter

import (
	"context"
	"encoding/json"

	"motcua/forms"
	"motcua/lookups"
	"motcua/offline"
	"motcua/printing"
)

// Recent lists the last n dossiers received on this machine (index only: codes,
// states, services and times; no personal data), newest first (n <= 0: all).
func (s *Service) Recent(_ context.Context, n int) ([]offline.DossierInfo, error) {
	return s.LastDossiers(Operator{}, n, offline.DossierFilter{})
}

// Reprint prints a kept receipt again (a citizen who lost it, a jammed
// printer); a failure queues it like any failed print (printDoc).
func (s *Service) Reprint(ctx context.Context, code string, op Operator) (string, error) {
	if err := s.Allow(op, ActReceiptPrint); err != nil {
		return "", err
	}
	var pdf, blob []byte
	err := s.store.View(func(tx *offline.Tx) error {
		var err error
		if pdf, err = tx.GetReceipt(code); err != nil {
			return err
		}
		blob, _, err = tx.GetDossier(code)
		return err
	})
	if err != nil {
		return "", err
	}
	job := printing.Job{DossierCode: code, PDF: pdf}
	var d forms.Dossier
	if json.Unmarshal(blob, &d) == nil {
		officer := op.Name
		if officer == "" {
			officer = op.ID
		}
		r := s.Receipt(&d, officer)
		job.Receipt = &r
	}
	return s.printDoc(ctx, offline.PrintReceipt, code, job, offline.AccessEntry{Operator: op.ID, Purpose: lookups.PurposeCheck,
		Action: offline.ActionPrint, DossierCode: code, Outcome: "reprint"})
}
