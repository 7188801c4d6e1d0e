//go:build go1.23

package main

import "runtime"

// expandExact returns the logical frames at an exact pc, innermost first, as the Go runtime reports
// them. CallersFrames takes return addresses and looks up pc-1, so it is given pc+1; the trailing 0
// makes Go >= 1.23 insert the implied inlined callers of that PC (it never expands the last entry).
func expandExact(pc uintptr) []runtime.Frame {
	return collect(runtime.CallersFrames([]uintptr{pc + 1, 0}))
}
