package main

import "runtime"

// expandExact returns the logical frames at an exact pc. CallersFrames treats every PC as a return
// address and looks up pc-1; passing pc+1 makes that lookup land on pc itself, which is what
// runtime/pprof does for a lone PC before Go 1.23. The inline tree is then expanded by the runtime.
func expandExact(pc uintptr) []runtime.Frame {
	frames := runtime.CallersFrames([]uintptr{pc + 1})
	var out []runtime.Frame
	for {
		f, more := frames.Next()
		if f.Function != "" || f.PC != 0 {
			// The runtime reports the line of pc+1-1 == pc.
			out = append(out, f)
		}
		if !more {
			break
		}
	}
	return out
}
