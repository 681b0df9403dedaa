package sandbox

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// adminPrefix is where the sandbox's own control API lives. It answers only
// loopback clients, needs no token and is never subject to the faults.
//
//	GET /_sandbox/faults    the faults in force (JSON, durations as "250ms")
//	PUT /_sandbox/faults    replace them: {"latency":"200ms","jitter":"50ms","errorRate":0.2,
//	                        "errorStatus":503,"hangRate":0.1,"loseRate":0.1,"outage":"drop",
//	                        "retryAfter":"2s","seed":7}; {} clears every fault
//	GET /_sandbox/dossiers  accepted dossiers with their idempotency keys, duplicates included
//	GET /_sandbox/stats     counters (Stats)
const adminPrefix = "/_sandbox/"

// AdminDossier is one row of GET /_sandbox/dossiers (no payload, no subject).
type AdminDossier struct {
	Code           string    `json:"code"`
	IdempotencyKey string    `json:"idempotencyKey"`
	Hash           string    `json:"hash"`
	Service        string    `json:"service"`
	Operator       string    `json:"operator"`
	AcceptedAt     time.Time `json:"acceptedAt"`
	Duplicate      bool      `json:"duplicate,omitempty"`
}

func (s *Server) routeAdmin() {
	s.admin.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Faults())
	})
	s.admin.HandleFunc("PUT /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", "Cấu hình lỗi giả lập quá lớn.")
			return
		}
		var f Faults
		if err := json.Unmarshal(body, &f); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "Cấu hình lỗi giả lập không đúng định dạng: "+err.Error())
			return
		}
		if err := s.SetFaults(f); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "Cấu hình lỗi giả lập không hợp lệ: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, s.Faults())
	})
	s.admin.HandleFunc("GET /_sandbox/dossiers", func(w http.ResponseWriter, r *http.Request) {
		ds := s.Dossiers()
		out := make([]AdminDossier, len(ds))
		for i, d := range ds {
			out[i] = AdminDossier{Code: d.Submission.Code, IdempotencyKey: d.IdempotencyKey, Hash: d.Hash,
				Service: d.Submission.Service, Operator: d.Meta.Operator, AcceptedAt: d.Ack.AcceptedAt, Duplicate: d.Duplicate}
		}
		writeJSON(w, http.StatusOK, out)
	})
	s.admin.HandleFunc("GET /_sandbox/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats())
	})
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if !loopback(r.RemoteAddr) {
		writeError(w, http.StatusForbidden, "forbidden", "Chức năng quản trị cổng giả lập chỉ dùng được trên máy này.")
		return
	}
	s.admin.ServeHTTP(w, r)
}

// loopback reports whether a RemoteAddr ("ip:port") is a loopback address.
func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
