package main

import (
	"fmt"
	"io"
)

func runFetch(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "specdiff fetch: not yet")
	return 2
}
