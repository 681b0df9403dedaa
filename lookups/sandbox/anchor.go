package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"motcua/lookups"
	"motcua/lookups/gateway"
)

// The audit heads of the contract (GET and PUT /v1/audit-heads/{store}): the sandbox keeps,
// per store, the heads it accepted in order (the last is the anchored head), and refuses a
// head that does not extend it. With Options.StorePath they are kept in StorePath+".heads"
// (JSON lines, fsynced before the answer), so that a restarted sandbox still witnesses.

// maxHeadsKept bounds the heads kept per store (the last one is what counts).
const maxHeadsKept = 1000

type anchorStore struct {
	mu    sync.Mutex
	heads map[string][]gateway.AuditHead
	file  *os.File
}

// AuditHeads returns the heads accepted for store, oldest first.
func (s *Server) AuditHeads(store string) []gateway.AuditHead {
	s.anchors.mu.Lock()
	defer s.anchors.mu.Unlock()
	return append([]gateway.AuditHead(nil), s.anchors.heads[store]...)
}

func (s *Server) routeAnchors() {
	s.mux.HandleFunc("GET /v1/audit-heads/{store}", s.guard(s.anchoredHead))
	s.mux.HandleFunc("PUT /v1/audit-heads/{store}", s.guard(s.anchorHead))
}

func (s *Server) anchoredHead(w http.ResponseWriter, r *http.Request, _ lookups.CallMeta) {
	store := r.PathValue("store")
	if !gateway.ValidStoreID(store) {
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Mã kho dữ liệu không hợp lệ.")
		return
	}
	s.anchors.mu.Lock()
	hs := s.anchors.heads[store]
	s.anchors.mu.Unlock()
	if len(hs) == 0 {
		writeError(w, http.StatusNotFound, gateway.CodeNotFound, "Cổng dữ liệu chưa nhận mốc nhật ký nào của kho này.")
		return
	}
	writeJSON(w, http.StatusOK, hs[len(hs)-1])
}

func (s *Server) anchorHead(w http.ResponseWriter, r *http.Request, _ lookups.CallMeta) {
	store := r.PathValue("store")
	if !gateway.ValidStoreID(store) {
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Mã kho dữ liệu không hợp lệ.")
		return
	}
	var u gateway.AuditHeadUpdate
	if err := gateway.DecodeStrict(http.MaxBytesReader(w, r.Body, 4096), &u); err != nil || u.Validate() != nil {
		writeError(w, http.StatusBadRequest, gateway.CodeBadRequest, "Mốc nhật ký không đúng định dạng.")
		return
	}
	a := &s.anchors
	a.mu.Lock()
	defer a.mu.Unlock()
	hs := a.heads[store]
	if n := len(hs); n > 0 {
		last := hs[n-1]
		if last.Seq == u.Seq && last.Hash == u.Hash { // the same head again: nothing new
			writeJSON(w, http.StatusOK, last)
			return
		}
		if u.Base == nil || u.Base.Seq != last.Seq || u.Base.Hash != last.Hash {
			writeError(w, http.StatusConflict, gateway.CodeAuditHeadConflict,
				"Mốc nhật ký gửi lên không nối tiếp mốc cổng dữ liệu đang giữ.")
			return
		}
	} else if u.Base != nil {
		writeError(w, http.StatusConflict, gateway.CodeAuditHeadConflict, "Cổng dữ liệu chưa giữ mốc nhật ký nào của kho này.")
		return
	}
	h := gateway.AuditHead{Store: store, Seq: u.Seq, Hash: u.Hash, AnchoredAt: s.opts.Clock().UTC()}
	if err := a.persist(h); err != nil {
		writeError(w, http.StatusInternalServerError, gateway.CodeInternal, "Cổng dữ liệu không lưu được mốc nhật ký. Thử lại sau.")
		return
	}
	a.remember(h)
	writeJSON(w, http.StatusOK, h)
}

// remember keeps h as its store's latest head. Called with mu held.
func (a *anchorStore) remember(h gateway.AuditHead) {
	if a.heads == nil {
		a.heads = map[string][]gateway.AuditHead{}
	}
	hs := append(a.heads[h.Store], h)
	if len(hs) > maxHeadsKept {
		hs = hs[len(hs)-maxHeadsKept:]
	}
	a.heads[h.Store] = hs
}

// persist appends h to the heads file (when any) and syncs it. Called with mu held.
func (a *anchorStore) persist(h gateway.AuditHead) error {
	if a.file == nil {
		return nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if _, err := a.file.Write(append(b, '\n')); err != nil {
		return err
	}
	return a.file.Sync()
}

// loadAnchors reads the heads kept in path (created when missing) and keeps it open for
// appending; a torn last line is dropped.
func (a *anchorStore) load(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sandbox heads: %w", err)
	}
	r := bufio.NewReader(f)
	var good int64
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("sandbox heads %s: %w", path, err)
		}
		var h gateway.AuditHead
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&h); err != nil || !gateway.ValidStoreID(h.Store) || !gateway.ValidChainHash(h.Hash) {
			if _, perr := r.Peek(1); errors.Is(perr, io.EOF) {
				break
			}
			f.Close()
			return fmt.Errorf("sandbox heads %s: line %d is damaged", path, n)
		}
		a.remember(h)
		good += int64(len(line))
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return fmt.Errorf("sandbox heads: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("sandbox heads: %w", err)
	}
	a.file = f
	return nil
}

func (a *anchorStore) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.file == nil {
		return nil
	}
	err := a.file.Close()
	a.file = nil
	return err
}
