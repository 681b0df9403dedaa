package main

import (
	"errors"
	"fmt"
)

// Exit codes, documented in the README and in `motcua --help`.
const (
	exitOK      = 0 // success
	exitFailure = 1 // the command failed
	exitUsage   = 2 // wrong flags or arguments
	exitPartial = 3 // some items failed (batch, reconcile); card read: a check failed
	// exitUnproven: card read: the data are signed and intact but the card
	// offers neither active nor chip authentication (compare the portrait).
	exitUnproven = 4
)

// exitError carries an exit code and a message for the user (Vietnamese).
type exitError struct {
	code int
	msg  string
	err  error
}

func (e *exitError) Error() string {
	if e.err != nil && e.msg == "" {
		return e.err.Error()
	}
	return e.msg
}

func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, a...)}
}

func failure(msg string, err error) error { return &exitError{code: exitFailure, msg: msg, err: err} }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitFailure
}
