//go:build !go1.23

package main

import (
	"runtime"
	_ "runtime/pprof"
	_ "unsafe"
)

// Before Go 1.23, CallersFrames never expands a lone PC's inlined callers; runtime/pprof does it
// with this runtime function, which turns the final PC into one PC per logical frame.
//
//go:linkname expandFinalInlineFrame runtime/pprof.runtime_expandFinalInlineFrame
func expandFinalInlineFrame(stk []uintptr) []uintptr

// expandExact returns the logical frames at an exact pc, innermost first (see oracle_exact.go).
func expandExact(pc uintptr) []runtime.Frame {
	return collect(runtime.CallersFrames(expandFinalInlineFrame([]uintptr{pc + 1})))
}
