package batch

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"motcua/forms"
	"motcua/offline"
)

// The checkpoints of the engine before this one (kept in cmd/motcua until issue 17): a
// mark per row in the run "batch/v1/<service>" under the row's key in hex, written in a
// unit of work of its own around the reception: "pending:<unix ns>" before it, the dossier
// code after it, "" when the reception failed. A file received (or half received, by a run
// killed between the two) under that engine is not received again.
const (
	legacyRun     = "batch/v1/"
	pendingPrefix = "pending:"
)

// legacyDone is, for each row, the code it was received as under the earlier engine's
// checkpoints ("" when none), read in one unit of work. A row left "pending" by a killed
// run is resolved by looking for a dossier of the service received since the mark whose
// persons are the row's: found, the row is done (and recorded so); not found, it is
// received again.
func (r *runner) legacyDone(js []*job) ([]string, error) {
	store := r.svc.Store()
	codes := make([]string, len(js))
	if err := store.View(func(tx *offline.Tx) error {
		for i, j := range js {
			code, _, err := tx.Done(r.legacy, j.hexKey())
			if err != nil {
				return err
			}
			codes[i] = code // "" also for a reception that failed: try again
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for i, j := range js {
		since, pending := strings.CutPrefix(codes[i], pendingPrefix)
		if !pending {
			continue
		}
		codes[i] = ""
		ns, err := strconv.ParseInt(since, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("batch: bad pending mark: %w", err)
		}
		infos, err := store.ListDossiers(offline.DossierFilter{Service: r.spec.ID, From: time.Unix(0, ns)})
		if err != nil {
			return nil, err
		}
		for _, info := range infos {
			blob, _, err := store.GetDossier(info.Code)
			if err != nil {
				return nil, err
			}
			var d forms.Dossier
			if err := json.Unmarshal(blob, &d); err != nil {
				return nil, fmt.Errorf("batch: dossier %s: %w", info.Code, err)
			}
			if samePersons(d.Persons, j.row.persons) {
				if err := store.Update(func(tx *offline.Tx) error { return tx.MarkDone(r.legacy, j.hexKey(), d.Code) }); err != nil {
					return nil, err
				}
				codes[i] = d.Code
				break
			}
		}
	}
	return codes, nil
}

func samePersons(have []forms.PersonRecord, want map[string]string) bool {
	if len(want) == 0 {
		return false
	}
	for slot, id := range want {
		if !slices.ContainsFunc(have, func(p forms.PersonRecord) bool { return p.Slot == slot && p.ID == id }) {
			return false
		}
	}
	return true
}
