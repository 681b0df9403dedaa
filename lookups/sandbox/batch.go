package sandbox

import (
	"errors"
	"net/http"
	"strconv"

	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/lookups/pid"
)

// batch answers POST /v1/citizens:batch: one result per ID, in order. IDs that
// are 12 digits but not valid personal ID numbers are reported as not found;
// anything else than 12 digits rejects the whole batch (invalid_id).
func (s *Server) batch(w http.ResponseWriter, r *http.Request, _ lookups.CallMeta) {
	var req gateway.BatchRequest
	if err := gateway.DecodeStrict(http.MaxBytesReader(w, r.Body, gateway.MaxBodyBytes), &req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, gateway.ErrBodyTooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, gateway.CodeTooLarge, "Yêu cầu quá lớn (tối đa 1 MiB).")
			return
		}
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Nội dung yêu cầu không đúng định dạng.")
		return
	}
	if len(req.IDs) == 0 || len(req.IDs) > gateway.MaxBatchIDs {
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Mỗi lần tra cứu từ 1 đến 1000 số định danh.")
		return
	}
	for i, id := range req.IDs {
		if !gateway.ValidBatchID(id) {
			writeError(w, http.StatusBadRequest, gateway.CodeInvalidID,
				"Số định danh thứ "+strconv.Itoa(i+1)+" không phải 12 chữ số.")
			return
		}
	}
	if req.View != "" && req.View != gateway.ViewFull && req.View != gateway.ViewIdentity {
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Kiểu kết quả (view) không có; dùng full hoặc identity.")
		return
	}
	out := gateway.BatchResponse{Results: s.pop.lookupBatch(req.IDs, req.View == gateway.ViewIdentity), FetchedAt: s.opts.Clock().UTC()}
	writeJSON(w, http.StatusOK, out)
}

// lookupBatch returns one result per ID. It generates each household once
// for consecutive IDs of the same household (Resident generates it twice per
// person). identity answers gateway.IdentityView.
func (p *Population) lookupBatch(ids []string, identity bool) []gateway.BatchResult {
	out := make([]gateway.BatchResult, len(ids))
	lastH := -1
	var ms []member
	var start int
	for i, id := range ids {
		out[i].ID = id
		if pid.Validate(id, lookups.Date{}, "") != nil {
			continue
		}
		seq, err := strconv.Atoi(id[6:])
		if err != nil || seq < 0 || seq >= p.size {
			continue
		}
		h, st := p.householdOf(seq)
		if h != lastH {
			ms, start, lastH = p.household(h), st, h
		}
		m := ms[seq-start]
		if m.res.Citizen.ID != id {
			continue
		}
		res := &m.res
		if identity {
			res = gateway.IdentityView(res)
		} else {
			r := m.res
			res = &r
		}
		out[i].Found, out[i].Resident = true, res
	}
	return out
}
