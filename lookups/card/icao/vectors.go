package icao

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Vectors holds the named hex values of a worked-example file (testdata/
// icao-9303-*.txt): one "name   value" per line, '#' comments. Names may
// contain spaces; the value is the last run of hex digits (or the MRZ text).
type Vectors map[string]string

var vectorLine = regexp.MustCompile(`^(.*?)\s{2,}(\S.*)$`)

// LoadVectors reads a worked-example file.
func LoadVectors(path string) (Vectors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v := Vectors{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := vectorLine.FindStringSubmatch(line); m != nil {
			v[strings.TrimSpace(m[1])] = strings.TrimSpace(m[2])
		} else if name, value, ok := strings.Cut(line, " "); ok { // one space: the name has none
			v[name] = strings.TrimSpace(value)
		}
	}
	return v, sc.Err()
}

// Hex returns the bytes of the named value. A value written as
// "HEX -> 9000" (a command with its expected status) yields the command.
func (v Vectors) Hex(name string) ([]byte, error) {
	s, ok := v[name]
	if !ok {
		return nil, fmt.Errorf("vectors: no value %q", name)
	}
	if i := strings.Index(s, "->"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	s = strings.ReplaceAll(s, " ", "")
	return hex.DecodeString(s)
}
