//go:build race

package crashtest

// raceEnabled: the motcua binary is built with -race too (its packages are in the build cache
// already, and a data race in a killed process is worth finding).
const raceEnabled = true
