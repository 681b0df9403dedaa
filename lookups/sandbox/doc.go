// Package sandbox owns the synthetic population (deterministic residents, households and
// cards derived from a seeded hash of an index, never stored) and an HTTP server that
// implements the gateway contract over it, for demo, tests, training and benchmarks.
package sandbox
