package card_test

import (
	"bytes"
	"strings"
)

type traceBuf struct{ bytes.Buffer }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
