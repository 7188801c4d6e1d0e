// Prints time.Unix(sec, nsec).UTC().Format(time.RFC3339Nano) for each "sec nsec" line of standard
// input, the two read as uint64 and converted to int64 as internal/trace does for a clock snapshot's
// wall time (generation.go): the reference for stackfold's Sync Wall= formatting, hostile values too.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		sec, _ := strconv.ParseUint(f[0], 10, 64)
		nsec, _ := strconv.ParseUint(f[1], 10, 64)
		fmt.Printf("%d %d %s\n", sec, nsec, time.Unix(int64(sec), int64(nsec)).UTC().Format(time.RFC3339Nano))
	}
}
