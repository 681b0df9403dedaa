// Package gateway owns the contract of the population-data gateway (openapi.yaml and the
// Go wire types) and its HTTP client: resident look-up by personal ID number, dossier
// submission and status, with Vietnamese messages for the clerk for every failure.
package gateway
