// Command leaves spends its time in frameless functions (no frame, so a frame-pointer walk skips their
// caller) reached through known, unique call paths of different depths. A profile of it must show exactly
// these stacks (root first; runtime.goexit and wrappers hidden as Go's tracebacks hide them). The
// stack-truth tests (Tests/CollapseTests/LeafRepairTests.swift) read the `expect` lines below.
//
// expect main.leafA: runtime.main;main.main;main.run;main.depth1;main.leafA
// expect main.leafB: runtime.main;main.main;main.run;main.depth2a;main.depth2b;main.leafB
// expect main.leafC: runtime.main;main.main;main.run;main.depth4a;main.depth4b;main.depth4c;main.depth4d;main.leafC
// expect runtime.memmove: runtime.main;main.main;main.run;main.copier;runtime.memmove
// expect runtime.memclrNoHeapPointers: runtime.main;main.main;main.run;main.depth2c;main.clearer;runtime.memclrNoHeapPointers
// expect main.leafD: runtime.main;main.main;main.run;[caller of main.leafD];main.leafD
//
// leafD's caller is a closure called through a function value: the CALL before its caller's return address
// is indirect, so the caller is unknown to a frame-pointer walk and shown as a placeholder.
package main

import (
	"flag"
	"time"
)

var sink uint64

//go:noinline
func leafA(n int, x uint64) uint64 {
	for i := 0; i < n; i++ {
		x = x*31 + uint64(i)
	}
	return x
}

//go:noinline
func leafB(n int, x uint64) uint64 {
	for i := 0; i < n; i++ {
		x ^= x<<7 + uint64(i)
	}
	return x
}

//go:noinline
func leafC(n int, x uint64) uint64 {
	for i := 0; i < n; i++ {
		x = x*0x9e3779b97f4a7c15 ^ uint64(i)
	}
	return x
}

//go:noinline
func leafD(n int, x uint64) uint64 {
	for i := 0; i < n; i++ {
		x += x>>3 ^ uint64(i)
	}
	return x
}

//go:noinline
func depth1(x uint64) uint64 { return leafA(200000, x) + 1 }

//go:noinline
func depth2a(x uint64) uint64 { return depth2b(x) ^ 3 }

//go:noinline
func depth2b(x uint64) uint64 { return leafB(200000, x) + 2 }

//go:noinline
func depth4a(x uint64) uint64 { return depth4b(x) + 4 }

//go:noinline
func depth4b(x uint64) uint64 { return depth4c(x) ^ 5 }

//go:noinline
func depth4c(x uint64) uint64 { return depth4d(x) + 6 }

//go:noinline
func depth4d(x uint64) uint64 { return leafC(200000, x) ^ 7 }

var src, dst = make([]byte, 1<<20), make([]byte, 1<<20)
var buf = make([]byte, 1<<20)

//go:noinline
func copier() { copy(dst, src) }

//go:noinline
func clearer() { clear(buf) }

//go:noinline
func depth2c() { clearer() }

// viaValue is called through a function value (an indirect CALL).
var viaValue = func(x uint64) uint64 { return leafD(200000, x) + 8 }

//go:noinline
func run(x uint64) uint64 {
	x = depth1(x)
	x = depth2a(x)
	x = depth4a(x)
	copier()
	depth2c()
	return viaValue(x)
}

func main() {
	dur := flag.Duration("d", time.Second, "how long to run")
	flag.Parse()
	deadline := time.Now().Add(*dur)
	x := uint64(1)
	for time.Now().Before(deadline) {
		x = run(x)
	}
	sink = x
}
