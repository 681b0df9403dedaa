// Package gateway owns the contract of the population-data gateway (openapi.yaml and the Go
// wire types) and its resilient HTTP client: deadlines and a budget per call, retries with
// jittered back-off, a circuit breaker with a link state for the TUI, TLS/mTLS, Vietnamese messages.
package gateway
