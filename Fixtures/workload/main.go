// Command workload is a small Go program that stackfold's fixtures record with perf.
// Its modes exercise what Go symbolization and GC attribution must get right: inlined helpers,
// generics, closures, method values, allocation churn (GC assists and mark workers), channels, a
// contended mutex. `workload oracle` prints what the Go runtime itself makes of addresses.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/trace"
	"sync"
	"time"
)

var sink any

// mix is small enough to be inlined into its callers.
func mix(x uint64) uint64 { return x*6364136223846793005 + 1442695040888963407 }

// rotate is inlined too, one level deeper than mix.
func rotate(x uint64) uint64 { return mix(x)<<13 | mix(x)>>51 }

//go:noinline
func hashLoop(n int, seed uint64) uint64 {
	h := seed
	for i := 0; i < n; i++ {
		h ^= rotate(h + uint64(i))
	}
	return h
}

// Map is generic: its instantiations appear as main.Map[...] in Go's names.
func Map[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

type counter struct{ n uint64 }

//go:noinline
func (c *counter) add(v uint64) { c.n += hashLoop(50, v) }

func cpuWork(deadline time.Time) uint64 {
	var total uint64
	c := &counter{}
	addFn := c.add // method value
	square := func(v int) uint64 { return hashLoop(200, uint64(v*v)) } // closure
	ints := make([]int, 64)
	for i := range ints {
		ints[i] = i
	}
	for time.Now().Before(deadline) {
		total += hashLoop(20000, total)
		for _, v := range Map(ints, square) {
			addFn(v)
		}
		strs := Map(ints, func(v int) string { return fmt.Sprint(v) })
		total += uint64(len(strs))
	}
	return total + c.n
}

type node struct {
	next *node
	data [8]uint64
}

//go:noinline
func buildList(n int) *node {
	var head *node
	for i := 0; i < n; i++ {
		head = &node{next: head}
		head.data[0] = uint64(i)
	}
	return head
}

func allocWork(deadline time.Time) {
	for time.Now().Before(deadline) {
		l := buildList(20000)
		sink = l
		buf := make([]byte, 1<<16)
		sink = buf
	}
}

func chanWork(deadline time.Time) {
	jobs := make(chan uint64, 16)
	results := make(chan uint64, 16)
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- hashLoop(500, j)
			}
		}()
	}
	go func() {
		for i := uint64(0); time.Now().Before(deadline); i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	var sum uint64
	for r := range results {
		sum += r
	}
	sink = sum
}

func mutexWork(deadline time.Time) {
	var mu sync.Mutex
	var shared uint64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				mu.Lock()
				shared = hashLoop(100, shared+uint64(w))
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	sink = shared
}

func main() {
	dur := flag.Duration("d", time.Second, "how long to run")
	traceFile := flag.String("trace", "", "write a runtime/trace execution trace here")
	flag.Parse()
	mode := "mix"
	if flag.NArg() > 0 {
		mode = flag.Arg(0)
	}
	if mode == "oracle" {
		oracle()
		return
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			panic(err)
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			panic(err)
		}
		defer trace.Stop()
	}
	deadline := time.Now().Add(*dur)
	switch mode {
	case "cpu":
		sink = cpuWork(deadline)
	case "alloc":
		allocWork(deadline)
	case "chan":
		chanWork(deadline)
	case "mutex":
		mutexWork(deadline)
	case "mix":
		var wg sync.WaitGroup
		for _, f := range []func(time.Time){
			func(d time.Time) { sink = cpuWork(d) }, allocWork, chanWork, mutexWork,
		} {
			wg.Add(1)
			go func(f func(time.Time)) { defer wg.Done(); f(deadline) }(f)
		}
		wg.Wait()
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", mode)
		os.Exit(2)
	}
}
