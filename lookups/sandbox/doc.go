// Package sandbox owns the synthetic population (deterministic residents, households and
// cards derived from a seeded hash of an index, never stored) and an HTTP server that implements
// the gateway contract over it, with seeded fault injection and a loopback admin API for chaos tests.
package sandbox
