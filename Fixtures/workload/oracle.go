package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// loadBias is the runtime address minus the file virtual address of this binary's code:
// zero for ordinary executables, the load base for PIE.
func loadBias() uint64 {
	pc, _, _, _ := runtime.Caller(0)
	fileAddr := funcFileAddr()
	if fileAddr == 0 {
		return 0
	}
	return uint64(runtime.FuncForPC(pc).Entry()) - fileAddr
}

// funcFileAddr reads the file address of loadBias from the environment (the fixture script passes
// it from `go tool nm`), so the oracle works for PIE builds too.
func funcFileAddr() uint64 {
	v := os.Getenv("ORACLE_LOADBIAS_SYM_ADDR")
	if v == "" {
		return 0
	}
	a, err := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 64)
	if err != nil {
		panic(err)
	}
	return a
}

type frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

type answer struct {
	Addr   string  `json:"addr"`
	Frames []frame `json:"frames"`
}

// oracle reads file virtual addresses (hex, one per line) and prints, for each, the frames the Go
// runtime reports for that exact PC, innermost first. Each PC is passed followed by a 0 entry:
// runtime.CallersFrames then treats it as an exact PC (not a return address) and expands inlining
// (Go >= 1.23 honours the trailing 0 that way; see expandExact for older releases).
func oracle() {
	bias := loadBias()
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		s := strings.TrimSpace(in.Text())
		if s == "" {
			continue
		}
		a, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad address:", s)
			os.Exit(2)
		}
		ans := answer{Addr: fmt.Sprintf("0x%x", a), Frames: []frame{}}
		for _, f := range expandExact(uintptr(a + bias)) {
			ans.Frames = append(ans.Frames, frame{f.Function, f.File, f.Line})
		}
		enc.Encode(ans)
	}
}

func collect(frames *runtime.Frames) []runtime.Frame {
	var out []runtime.Frame
	for {
		f, more := frames.Next()
		if f.Function != "" {
			out = append(out, f)
		}
		if !more {
			break
		}
	}
	return out
}
