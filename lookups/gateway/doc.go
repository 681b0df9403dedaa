// Package gateway owns the contract of the population-data gateway (openapi.yaml and the Go
// wire types) and its resilient HTTP client: deadlines and a budget per call, retries with
// jittered back-off, a circuit breaker with a link state for the TUI, TLS/mTLS, Vietnamese messages.
//
// The gateway is a peer, not a friend: the client checks what it answers, and is tested
// against a misbehaving one (lookups/gateway/hostile).
//   - It follows no redirect, for any method: a 3xx answer is an error (ErrRedirected, a
//     kind of ErrBadResponse), so a dossier, a look-up or the bearer token never go to
//     another port, host or scheme than the configured one.
//   - A submission counts as acknowledged only when the answer names its code, with a status
//     of the contract (AckStatuses) and the time it was accepted; any other 2xx (empty,
//     null, another code, "rejected") is ErrUnacknowledged and the dossier is not sent.
//   - Every answer is read within a size limit (MaxBodyBytes; MaxBatchBodyBytes for a batch
//     look-up). A batch answer is decoded as a stream, result by result, each within
//     MaxBodyBytes and checked against its ID, never more results than IDs; the identity
//     view refuses the parts it leaves out. The answers one client reads at the same time
//     hold at most 36 MiB between them: a call waits for its share before reading, with its
//     attempt's clock stopped.
//   - The gateway's error messages are neutralised for a terminal (vntext.Display) and
//     clipped before anyone shows them.
//
// One loop (Client.do) runs every operation, the batch look-up included: attempts,
// retries of transient failures, Retry-After, the breaker; an operation only brings its
// size limit and its decoder.
package gateway
