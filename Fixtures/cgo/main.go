// cgo fixture: Go calling C functions that have inlined helpers. Built with external linking so the
// C code keeps its own DWARF next to Go's (Fixtures/generate-dwarf.sh).
package main

/*
#cgo CFLAGS: -O2 -g
#include "cwork.h"
*/
import "C"

import (
	"flag"
	"fmt"
	"time"
	"unsafe"
)

//go:noinline
func hashRounds(buf []byte, rounds int) uint32 {
	return uint32(C.c_hash((*C.uchar)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), C.int(rounds)))
}

func sumSquares(n int64) int64 { return int64(C.c_sum_squares(C.int64_t(n))) }

func poly(x float64, terms int) float64 { return float64(C.c_poly(C.double(x), C.int(terms))) }

func main() {
	d := flag.Duration("d", 100*time.Millisecond, "how long to run")
	flag.Parse()
	buf := make([]byte, 4099)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	var h uint32
	var s int64
	var p float64
	for end := time.Now().Add(*d); time.Now().Before(end); {
		h ^= hashRounds(buf, 16)
		s += sumSquares(20000)
		p += poly(0.5, 1000)
	}
	fmt.Println(h, s, p)
}
