package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"motcua/forms"
	"motcua/offline"
	"motcua/printing"
)

// Fees at the counter: a dossier's fee receipt (biên lai thu phí, lệ phí) and the fees
// collected over a period, for the reports. The copy desk's fees are in the certification
// register (certify.go); the procedures' fees are in the dossiers (forms.ProcedureRecord).

// ErrNoFee is returned when the dossier has no procedure with a fee: there is no fee receipt to print.
var ErrNoFee = errors.New("counter: the dossier charges no fee")

// DossierFeeReceipt is the fee receipt of a stored dossier: one line per procedure with a
// fee (its amount, an exemption, or an amount the schedule does not give). Rights:
// ActReceiptPrint; the access is logged.
func (s *Service) DossierFeeReceipt(op Operator, code string) (printing.FeeReceipt, error) {
	d, err := s.Dossier(op, code)
	if err != nil {
		return printing.FeeReceipt{}, err
	}
	if err := s.Allow(op, ActReceiptPrint); err != nil {
		return printing.FeeReceipt{}, err
	}
	a := s.cfg.Agency
	loc := s.loc()
	r := s.Receipt(d, "")
	fr := printing.FeeReceipt{Letterhead: printing.Letterhead{ParentAgency: a.Parent, Agency: a.Name, AgencyAddress: a.Address, Place: a.Place},
		Number: d.Code, Date: d.ReceivedAt.In(loc), Payer: r.CitizenName, PayerID: r.CitizenID, Address: r.Address}
	if who, err := s.Who(op.ID); err == nil {
		fr.Collector = op.Name
		if fr.Collector == "" {
			fr.Collector = who.Name
		}
	}
	for _, f := range r.Fees {
		it := printing.FeeItem{Name: "Phí, lệ phí: " + f.Procedure, Amount: f.Amount, Exempt: f.Exempt, Unknown: !f.Known}
		fr.Items = append(fr.Items, it)
	}
	if len(fr.Items) == 0 {
		return printing.FeeReceipt{}, ErrNoFee
	}
	return fr, nil
}

// PrintDossierFeeReceipt prints the fee receipt of a stored dossier ("bienlai-<code>") and
// returns the PDF; a failed print waits in the print queue (printDoc: ErrPrintQueued).
func (s *Service) PrintDossierFeeReceipt(ctx context.Context, op Operator, code string) ([]byte, error) {
	fr, err := s.DossierFeeReceipt(op, code)
	if err != nil {
		return nil, err
	}
	pdf, err := printing.RenderFeeReceiptBytes(fr, printing.Options{Size: s.cfg.PaperSize})
	if err != nil {
		return nil, err
	}
	e := printEntry(offline.PrintFeeReceipt, code)
	e.Operator, e.Outcome = s.actorID(op), "fee-receipt"
	_, err = s.printDoc(ctx, offline.PrintFeeReceipt, code, printing.Job{PDF: pdf}, e)
	return pdf, err
}

// FeeCount is what one kind of charge brought in a period.
type FeeCount struct {
	Cases   int   `json:"cases"`   // certifications, or procedures with a fee
	Units   int   `json:"units"`   // copies certified (certifications), procedures (dossiers)
	Amount  int64 `json:"amount"`  // đồng charged
	Exempt  int   `json:"exempt"`  // cases exempt (nothing charged)
	Unknown int   `json:"unknown"` // cases whose amount the schedule does not give (collected by hand)
}

func (c *FeeCount) add(o FeeCount) {
	c.Cases += o.Cases
	c.Units += o.Units
	c.Amount += o.Amount
	c.Exempt += o.Exempt
	c.Unknown += o.Unknown
}

// FeeTotals are the fees charged at this counter's machine in [From, To): the copy
// certification desk's, and the procedures' of the dossiers received, per procedure.
type FeeTotals struct {
	From, To       time.Time           `json:"-"`
	Certifications FeeCount            `json:"certifications"`
	Procedures     map[string]FeeCount `json:"procedures"` // by procedure ID
	Dossiers       FeeCount            `json:"dossiers"`   // every procedure together
	Total          int64               `json:"total"`      // đồng: certifications and dossiers
}

// FeesCollected counts the fees charged in [from, to) (zero: unbounded) — the copy
// certification register's entries and the fees of the procedures of the dossiers
// received on this machine. No personal data leaves it: the reports read the counts. The
// dossiers' fees are read from their index entries (offline.DossierInfo.Fees, written with
// each dossier); only an entry written before that opens its dossier.
// Rights: ActDossierList (counts, no names).
//
// A report calls it with the operator acting and the period, e.g.
//
//	t, err := svc.FeesCollected(op, from, to)
//	// t.Total, t.Certifications.Amount, t.Procedures["dang-ky-lai-khai-sinh"].Amount ...
func (s *Service) FeesCollected(op Operator, from, to time.Time) (FeeTotals, error) {
	if err := s.Allow(op, ActDossierList); err != nil {
		return FeeTotals{}, err
	}
	out := FeeTotals{From: from, To: to, Procedures: map[string]FeeCount{}}
	err := s.store.View(func(tx *offline.Tx) error {
		certs, err := tx.ListCerts(0, from, to)
		if err != nil {
			return err
		}
		for _, c := range certs {
			fc := FeeCount{Cases: 1, Units: c.Copies}
			switch {
			case c.Exempt != "":
				fc.Exempt = 1
			case !c.FeeKnown:
				fc.Unknown = 1
			default:
				fc.Amount = c.Fee
			}
			out.Certifications.add(fc)
		}
		ds, err := tx.ListDossiers(offline.DossierFilter{From: from, To: to})
		if err != nil {
			return err
		}
		for _, info := range ds {
			facts := info.Fees
			if !info.FeesRecorded { // an index entry older than the fees in the index
				if facts, err = storedFeeFacts(tx, info.Code); err != nil {
					return err
				}
			}
			for _, f := range facts {
				fc := FeeCount{Cases: 1, Units: 1}
				switch {
				case f.Exempt:
					fc.Exempt = 1
				case !f.Known:
					fc.Unknown = 1
				default:
					fc.Amount = f.Amount
				}
				pc := out.Procedures[f.Procedure]
				pc.add(fc)
				out.Procedures[f.Procedure] = pc
				out.Dossiers.add(fc)
			}
		}
		return nil
	})
	out.Total = out.Certifications.Amount + out.Dossiers.Amount
	return out, err
}

// feeFacts are the fees of d's procedures with a fee, for its index entry.
func feeFacts(d *forms.Dossier) []offline.FeeFact {
	var out []offline.FeeFact
	for _, p := range d.Procedures {
		if p.Charged {
			out = append(out, offline.FeeFact{Procedure: p.ID, Amount: p.Fee, Known: p.FeeKnown, Exempt: p.FeeExempt != ""})
		}
	}
	return out
}

// storedFeeFacts opens a stored dossier for its fees (an index entry written before they
// were recorded in it).
func storedFeeFacts(tx *offline.Tx, code string) ([]offline.FeeFact, error) {
	blob, _, err := tx.GetDossier(code)
	if err != nil {
		return nil, err
	}
	var d forms.Dossier
	if err := json.Unmarshal(blob, &d); err != nil {
		return nil, fmt.Errorf("counter: stored dossier %s: %w", code, err)
	}
	return feeFacts(&d), nil
}

// FormatMoney writes an amount in đồng as printed (1.234.567), for the front ends.
func FormatMoney(n int64) string { return printing.FormatMoney(n) }

// ProcedureFeeText is a procedure's fee as the receipt words it: the amount, the exemption,
// or an amount the schedule does not give.
func ProcedureFeeText(p forms.ProcedureRecord) string {
	return printing.FeeText(printing.ReceiptFee{Procedure: p.Name, Amount: p.Fee, Known: p.FeeKnown, Exempt: exemptReason(p.FeeExempt)})
}
