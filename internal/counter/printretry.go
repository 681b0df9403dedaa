package counter

import (
	"context"
	"encoding/json"

	"motcua/forms"
	"motcua/lookups"
	"motcua/offline"
	"motcua/printing"
)

// RetryPrints prints again the kept receipts whose printing failed and whose
// next try has come; it returns how many printed and how many still wait.
func (s *Service) RetryPrints(ctx context.Context, operator string) (printed, waiting int, err error) {
	if err := s.Allow(Operator{ID: operator}, ActPrintRetry); err != nil {
		return 0, 0, err
	}
	var due []offline.PrintJobState
	if err := s.store.View(func(tx *offline.Tx) error {
		var err error
		due, err = tx.PrintQueue(true)
		return err
	}); err != nil {
		return 0, 0, err
	}
	for _, j := range due {
		if ctx.Err() != nil {
			break
		}
		var pdf []byte
		if err := s.store.View(func(tx *offline.Tx) error {
			var err error
			pdf, err = tx.GetReceipt(j.Code)
			return err
		}); err != nil {
			s.log.Warn("queued receipt missing", "code", j.Code, "err", err)
			continue
		}
		job := printing.Job{DossierCode: j.Code, PDF: pdf}
		// a thermal printer draws from the receipt's content: rebuild it from the dossier
		var blob []byte
		if err := s.store.View(func(tx *offline.Tx) error {
			var err error
			blob, _, err = tx.GetDossier(j.Code)
			return err
		}); err == nil {
			var d forms.Dossier
			if json.Unmarshal(blob, &d) == nil {
				r := s.Receipt(&d, d.Operator)
				job.Receipt = &r
			}
		}
		perr := s.printer.Print(ctx, job)
		err := s.store.Update(func(tx *offline.Tx) error {
			if perr != nil {
				return tx.QueuePrint(j.Code, perr)
			}
			if err := tx.PrintDone(j.Code); err != nil {
				return err
			}
			return tx.LogAccess(offline.AccessEntry{Operator: operator, Purpose: lookups.PurposeSubmit,
				Action: offline.ActionPrint, DossierCode: j.Code, Outcome: "retry_ok"})
		})
		if err != nil {
			return printed, 0, err
		}
		if perr == nil {
			printed++
		}
	}
	err = s.store.View(func(tx *offline.Tx) error {
		all, err := tx.PrintQueue(false)
		waiting = len(all)
		return err
	})
	return printed, waiting, err
}
