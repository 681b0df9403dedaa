package units

import "golang.org/x/text/unicode/norm"

func normNFD(s string) string { return norm.NFD.String(s) }
