//go:build linux

package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"motcua/internal/demo"
	"motcua/internal/wardyear"
)

// BenchmarkWardYearFirstFrame is BenchmarkStartToFirstFrame (a new `motcua demo` process on
// a pseudo-terminal until the identification screen is written, the bare Bubble Tea program
// alternated with it as the anchor) on the data directory of a ward's year: the demo store
// filled by internal/wardyear with 20,000 and with 200,000 dossiers (5 look-ups a dossier in
// the audit log, the cache half as full as there are dossiers), each built once per run. It
// prints the ratio of the larger to the smaller.
func BenchmarkWardYearFirstFrame(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "motcua")
	bare := filepath.Join(dir, "bareprogram")
	for out, pkg := range map[string]string{bin: ".", bare: "./testdata/bareprogram"} {
		if msg, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	sizes := []int{20_000, 200_000}
	type cost struct{ wall, cpu time.Duration }
	got := map[int]cost{}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("dossiers=%d", n), func(b *testing.B) {
			data := filepath.Join(dir, fmt.Sprint(n))
			if out, err := exec.Command(bin, "dossier", "list", "--demo", "--data-dir", data).CombinedOutput(); err != nil {
				b.Fatalf("create the demo store: %v\n%s", err, out)
			}
			env, err := demo.StartWith(context.Background(), data, nil)
			if err != nil {
				b.Fatal(err)
			}
			if env.Store == nil {
				env.Close()
				b.Fatal("the demo store was not unlocked")
			}
			loc := env.Config.Location()
			sum, err := wardyear.Build(env.Store, wardyear.Options{Dossiers: n, Lookups: 5 * n, Agency: env.Config.Agency.Code,
				Counter: env.Config.Counter, Location: loc, Now: time.Date(2026, time.November, 23, 10, 0, 0, 0, loc)})
			env.Close()
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("ward-year demo store: %d dossiers, %d look-ups, %d cached answers, built in %s", sum.Dossiers, sum.Lookups, sum.Cached,
				sum.BuildDuration.Round(time.Millisecond))
			wall, cpu := alternateFirstFrames(b, bare, bin, "demo", "--data-dir", data)
			got[n] = cost{wall, cpu}
		})
	}
	if s, l := got[sizes[0]], got[sizes[1]]; s.wall > 0 && l.wall > 0 && s.cpu > 0 {
		// the parent of sub-benchmarks prints no log of its own: the ratio goes to the output
		fmt.Printf("%s: %d against %d dossiers: wall x%.1f, cpu x%.1f\n", b.Name(), sizes[1], sizes[0],
			float64(l.wall)/float64(s.wall), float64(l.cpu)/float64(s.cpu))
	}
}
