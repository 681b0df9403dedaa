package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"motcua/forms"
	"motcua/lookups"
	"motcua/offline"
	"motcua/printing"
)

// Every document the counter prints goes through printDoc: the receipt (Mẫu 01), the
// reception slips (Mẫu 02, Mẫu 03), the control sheet (Mẫu 06), the hand-over slip, the
// apology letter (Mẫu 04), the copy certification's blocks and fee receipt, a dossier's fee
// receipt. A
// document that does not print waits in the store's print queue (offline.QueuePrint: its kind
// and code; a receipt is kept with its dossier, another document is kept sealed with the job)
// and RetryPrints prints it once the printer works again and its backoff has passed. A
// document that prints, the first time, by hand or by the retry, leaves the queue: it is
// printed once when the printer comes back, not once more for each time it was asked.

// ErrPrintQueued is wrapped by the error of a print that failed and waits in the print
// queue: RetryPrints prints it by itself once the printer works again. Explain gives the
// printer's own message (the error wraps it); the front ends say it will print by itself.
var ErrPrintQueued = errors.New("counter: queued to print again")

// queuedError is a print failure put in the print queue.
type queuedError struct{ err error }

func (e *queuedError) Error() string   { return e.err.Error() + " (queued to print again)" }
func (e *queuedError) Unwrap() []error { return []error{e.err, ErrPrintQueued} }

// The job names of the documents printed apart from a dossier's receipt (as before they
// were queued: a file printer writes the same files).
const (
	apologySuffix = "-mau04"     // the apology letter, beside the dossier's receipt
	certJobPrefix = "chungthuc-" // a copy certification's blocks, by its first number
	feeJobPrefix  = "bienlai-"   // a fee receipt: a dossier's, or a certification's by its first number
)

// jobName is the printer's name for a document's job (the file printer's file name): a
// receipt and a slip by their codes, the control sheet, the hand-over slip and the apology
// letter beside the dossier's receipt, never over it; the certification blocks and the fee
// receipts by their prefixes.
func jobName(kind, code string) string {
	switch kind {
	case offline.PrintControlSheet:
		return code + controlSheetSuffix
	case offline.PrintHandover:
		return code + handoverSuffix
	case offline.PrintApology:
		return code + apologySuffix
	case offline.PrintCertificate:
		return certJobPrefix + code
	case offline.PrintCertFee, offline.PrintFeeReceipt:
		return feeJobPrefix + code
	}
	return code
}

// printEntry is the access log's entry of a document's print (Operator and Outcome left to
// the caller).
func printEntry(kind, code string) offline.AccessEntry {
	e := offline.AccessEntry{Action: offline.ActionPrint, DossierCode: code}
	switch kind {
	case offline.PrintReceipt:
		e.Purpose = lookups.PurposeSubmit
	case offline.PrintSlip:
		e.Purpose, e.DossierCode, e.Detail = lookups.PurposeReception, "", "slip="+code
	case offline.PrintControlSheet:
		e.Purpose, e.Detail = lookups.PurposeReception, "control-sheet"
	case offline.PrintHandover:
		e.Purpose, e.Detail = lookups.PurposeDossier, "handover-slip"
	case offline.PrintApology:
		e.Purpose, e.Detail = lookups.PurposeDossier, "apology"
	case offline.PrintCertificate:
		e.Purpose, e.DossierCode, e.Detail = lookups.PurposeCheck, "", "cert="+code
	case offline.PrintCertFee:
		e.Purpose, e.DossierCode, e.Detail = lookups.PurposeCheck, "", "cert-fee="+code
	case offline.PrintFeeReceipt:
		e.Purpose, e.Detail = lookups.PurposeCheck, "fee-receipt"
	}
	return e
}

// sendPrint gives a document's job to the printer. A thermal printer lays out receipts only: a
// form is refused there (ErrThermalForm), and not queued (it would never print there).
func (s *Service) sendPrint(ctx context.Context, kind string, job printing.Job) (perr error, queue bool) {
	if _, thermal := s.printer.(*printing.ESCPOSPrinter); thermal && kind != offline.PrintReceipt {
		return ErrThermalForm, false
	}
	return s.printer.Print(ctx, job), true
}

// printDoc prints the document (kind, code) whose job is job, and records in one unit of
// work what became of it: a failure is queued (job.PDF kept with the job, but for a receipt)
// and returned wrapping ErrPrintQueued; a success takes the document off the queue, should it
// wait there (or be pending), and so does a refusal of a printer that can never take it. entry is the access log's entry, its Outcome what a success is logged as ("error"
// on a failure). It returns where the document went (printing.Where).
func (s *Service) printDoc(ctx context.Context, kind, code string, job printing.Job, entry offline.AccessEntry) (string, error) {
	job.DossierCode = jobName(kind, code)
	perr, queue := s.sendPrint(ctx, kind, job)
	if perr != nil {
		entry.Outcome = "error"
	}
	werr := s.store.Update(func(tx *offline.Tx) error {
		switch {
		case perr == nil || !queue:
			if err := tx.PrintDone(kind, code); err != nil {
				return err
			}
		case queue:
			var doc []byte
			if kind != offline.PrintReceipt {
				doc = job.PDF
			}
			if err := tx.QueuePrint(kind, code, doc, perr); err != nil {
				return err
			}
		}
		return tx.LogAccess(entry)
	})
	if werr != nil {
		s.log.Warn("print state not saved", "kind", kind, "code", code, "err", werr)
		queue = false // the clerk is not told it will print by itself
	}
	switch {
	case perr != nil && queue:
		return "", &queuedError{perr}
	case perr != nil:
		return "", perr
	}
	return printing.Where(s.printer, job.DossierCode), nil
}

// printClaim is how long a retry holds a document it prints (offline.Tx.ClaimPrint): far
// longer than a print takes, short enough that a retry killed meanwhile delays it little.
const printClaim = 2 * time.Minute

// pendingClaim is how long a keyed reception holds the documents it records pending
// (offline.Tx.PrintPending) before a retry takes it as dead and prints them: a reception
// prints within seconds of its save (a printer's timeout included).
const pendingClaim = 10 * time.Minute

// RetryPrints prints again the documents whose printing failed and whose next try has come
// (receipts, slips, control sheets, hand-over slips, ...); it returns how many printed and
// how many still wait.
func (s *Service) RetryPrints(ctx context.Context, operator string) (printed, waiting int, err error) {
	return s.RetryPrintsWith(ctx, Operator{ID: operator}, RetryOptions{})
}

// RetryOptions adapt RetryPrintsWith to a command run by hand.
type RetryOptions struct {
	// Now prints every document that failed, its backoff passed or not (the operator says
	// the printer works again). A pending document (a reception's, PrintPending) is left to
	// the reception's rerun all the same.
	Now bool
}

// RetryPrintsWith is RetryPrints with options. Rights: ActPrintRetry.
func (s *Service) RetryPrintsWith(ctx context.Context, op Operator, opt RetryOptions) (printed, waiting int, err error) {
	if err := s.Allow(op, ActPrintRetry); err != nil {
		return 0, 0, err
	}
	operator := s.actorID(op)
	var due []offline.PrintJobState
	if err := s.store.View(func(tx *offline.Tx) (err error) {
		due, err = tx.PrintQueue(!opt.Now)
		return err
	}); err != nil {
		return 0, 0, err
	}
	for _, j := range due {
		if ctx.Err() != nil {
			break
		}
		// the claim keeps another retry (the counter screen's timer, `print retry` in
		// another process) from printing the same document meanwhile
		var claimed bool
		if err := s.store.Update(func(tx *offline.Tx) (err error) {
			claimed, err = tx.ClaimPrint(j.Kind, j.Code, printClaim, opt.Now)
			return err
		}); err != nil {
			return printed, 0, err
		}
		if !claimed {
			continue
		}
		// a pending document (its reception died before it printed), or a receipt or control
		// sheet with nothing kept to print, is made from the dossier as its reception would have
		orphan := j.Pending
		var job printing.Job
		var err error
		if !orphan {
			job, err = s.queuedJob(j)
			orphan = errors.Is(err, offline.ErrNotFound) && (j.Kind == offline.PrintReceipt || j.Kind == offline.PrintControlSheet)
		}
		if orphan {
			if err := s.printOrphan(ctx, op, j); err == nil {
				printed++
			} else if !errors.Is(err, ErrPrintQueued) {
				// not made (a print's own failure is queued by printDoc): a pending one backs off
				s.log.Warn("queued document not made", "kind", j.Kind, "code", j.Code, "err", err)
				cause := err
				if err := s.store.Update(func(tx *offline.Tx) error { return tx.DeferPrint(j.Kind, j.Code, cause) }); err != nil {
					s.log.Warn("queued document left as it was", "kind", j.Kind, "code", j.Code, "err", err)
				}
			}
			continue
		}
		if err != nil {
			// a document that cannot be read (damaged, gone) backs off like a failed print,
			// with its cause, instead of being due again at every tick
			s.log.Warn("queued document unreadable", "kind", j.Kind, "code", j.Code, "err", err)
			cause := err
			if err := s.store.Update(func(tx *offline.Tx) error { return tx.QueuePrint(j.Kind, j.Code, nil, cause) }); err != nil {
				s.log.Warn("queued document left as it was", "kind", j.Kind, "code", j.Code, "err", err)
			}
			continue
		}
		perr, queue := s.sendPrint(ctx, j.Kind, job)
		err = s.store.Update(func(tx *offline.Tx) error {
			if perr != nil && !queue {
				// a printer that never takes it (a form on a thermal printer, set since it
				// was queued): off the queue, as printDoc does, and said in the access log
				if err := tx.PrintDone(j.Kind, j.Code); err != nil {
					return err
				}
				e := printEntry(j.Kind, j.Code)
				e.Operator, e.Outcome = operator, "error"
				return tx.LogAccess(e)
			}
			if perr != nil {
				return tx.QueuePrint(j.Kind, j.Code, nil, perr)
			}
			if err := tx.PrintDone(j.Kind, j.Code); err != nil {
				return err
			}
			e := printEntry(j.Kind, j.Code)
			e.Operator, e.Outcome = operator, "retry_ok"
			return tx.LogAccess(e)
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

// PrintQueue lists the documents waiting in the print queue (no personal data: kinds and
// codes), the pending ones of a reception too. Rights: ActPrintRetry.
func (s *Service) PrintQueue(op Operator) ([]offline.PrintJobState, error) {
	if err := s.Allow(op, ActPrintRetry); err != nil {
		return nil, err
	}
	var out []offline.PrintJobState
	err := s.store.View(func(tx *offline.Tx) (err error) { out, err = tx.PrintQueue(false); return err })
	return out, err
}

// queuedJob is the job of a queued document: a receipt kept with its dossier (with its
// content rebuilt from the dossier, for a thermal printer that draws it), another document
// as it was kept with the job.
func (s *Service) queuedJob(j offline.PrintJobState) (printing.Job, error) {
	job := printing.Job{DossierCode: jobName(j.Kind, j.Code)}
	if j.Kind != offline.PrintReceipt {
		err := s.store.View(func(tx *offline.Tx) (err error) { job.PDF, err = tx.PrintDocument(j.Kind, j.Code); return err })
		return job, err
	}
	var blob []byte
	if err := s.store.View(func(tx *offline.Tx) error {
		var err error
		if job.PDF, err = tx.GetReceipt(j.Code); err != nil {
			return err
		}
		blob, _, _ = tx.GetDossier(j.Code) // without it, a PDF printer prints all the same
		return nil
	}); err != nil {
		return job, err
	}
	if blob != nil {
		var d forms.Dossier
		if json.Unmarshal(blob, &d) == nil {
			r := s.Receipt(&d, d.Operator)
			job.Receipt = &r
		}
	}
	return job, nil
}

// printOrphan prints a document a keyed reception recorded pending and did not print (its run
// died between the save and the print; its claim has passed), as that reception would have:
// the receipt kept, or rendered from the dossier with its receiving operator's name, and the
// control sheet from the dossier's life. What fails to print waits in the queue (printDoc).
func (s *Service) printOrphan(ctx context.Context, op Operator, j offline.PrintJobState) error {
	switch j.Kind {
	case offline.PrintControlSheet:
		_, err := s.printControlSheet(ctx, op, j.Code)
		return err
	case offline.PrintReceipt:
		d, err := s.storedDossier(j.Code)
		if err != nil {
			return err
		}
		officer := Operator{ID: s.actorID(op), Name: d.Operator}
		if ops, err := s.store.Operators(); err == nil {
			for _, o := range ops {
				if o.ID == d.Operator && o.Name != "" {
					officer.Name = o.Name
				}
			}
		}
		if pdf, err := s.store.GetReceipt(j.Code); err == nil {
			_, err = s.printKept(ctx, d, officer, s.Receipt(d, officer.Name), pdf)
			return err
		}
		_, err = s.printReceipt(ctx, d, officer, ReceiveOptions{})
		return err
	}
	return fmt.Errorf("counter: a pending %s document: nothing prints it", j.Kind)
}

// ownPrint takes, for a keyed reception about to print a document (opts.Key: it recorded the
// document pending in its save), the document off the queue (offline.Tx.TakePending): false
// when it is not the reception's to print any more (a retry took it as a dead run's, or it
// printed), and then the reception does not print it. A reception without a key recorded
// nothing and prints. A store that cannot say lets the reception print.
func (s *Service) ownPrint(kind, code string, opts ReceiveOptions) bool {
	if opts.Key == "" {
		return true
	}
	var took bool
	if err := s.store.Update(func(tx *offline.Tx) (err error) { took, err = tx.TakePending(kind, code); return err }); err != nil {
		s.log.Warn("pending print not taken", "kind", kind, "code", code, "err", err)
		return true
	}
	return took
}

// printedElsewhere is where a document printed by another run went, when that is a file the
// printer wrote ("" otherwise).
func (s *Service) printedElsewhere(kind, code string) string {
	if path, ok := printing.OutputPath(s.printer, jobName(kind, code)); ok {
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	return ""
}
