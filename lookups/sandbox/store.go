package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// load reads the dossiers kept in path (creating the file when missing) and
// keeps it open for appending. A torn last line (the process died while
// writing it, before any answer) is cut off; damage elsewhere is an error.
func (s *Server) load(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sandbox store: %w", err)
	}
	r := bufio.NewReader(f)
	var good int64
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			break // len(line) > 0: a torn last line, dropped below
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("sandbox store %s: %w", path, err)
		}
		var d StoredDossier
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil || d.IdempotencyKey == "" || d.Submission.Code == "" {
			if _, perr := r.Peek(1); perr == io.EOF {
				break // the last line is damaged: it was never acknowledged
			}
			f.Close()
			return fmt.Errorf("sandbox store %s: line %d is damaged", path, n)
		}
		s.remember(&d)
		good += int64(len(line))
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return fmt.Errorf("sandbox store: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("sandbox store: %w", err)
	}
	s.store, s.storeSize = f, good
	return nil
}

// persist appends d to the store file and syncs it, before the answer goes
// out. Called with mu held; a no-op without a store.
func (s *Server) persist(d *StoredDossier) error {
	if s.store == nil {
		return nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = s.store.Write(b)
	if err == nil {
		err = s.store.Sync()
	}
	if err != nil {
		// Cut a partial line off so that later appends stay readable.
		if terr := s.store.Truncate(s.storeSize); terr == nil {
			_, _ = s.store.Seek(s.storeSize, io.SeekStart)
		}
		return err
	}
	s.storeSize += int64(len(b))
	return nil
}
