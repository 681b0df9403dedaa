// Package forms owns the service catalog as data (embedded, versioned spec files),
// the declaration a clerk fills in (prefill from card and population database,
// validation, relevance) and the dossier that is finalized, saved and submitted.
package forms
