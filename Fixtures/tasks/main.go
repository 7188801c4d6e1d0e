// Command tasks simulates request handling annotated with runtime/trace tasks, regions and logs, for
// stackfold's fixtures: each request is a task; its work runs in regions named after the function
// doing it (decode -> main.decode, compute -> main.compute, nested checksum -> main.checksum, encode ->
// main.encode), so a CPU sample's stack says which region it must be attributed to.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/trace"
	"sync"
	"time"
)

var sink any

//go:noinline
func decode(n int) [][]byte {
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		b := make([]byte, 256)
		b[0] = byte(i)
		out = append(out, b)
	}
	return out
}

//go:noinline
func checksum(bufs [][]byte) uint64 {
	var h uint64 = 14695981039346656037
	for _, b := range bufs {
		for _, c := range b {
			h = (h ^ uint64(c)) * 1099511628211
		}
	}
	return h
}

//go:noinline
func compute(seed uint64, rounds int) uint64 {
	h := seed
	for i := 0; i < rounds; i++ {
		h = h*6364136223846793005 + 1442695040888963407
		h ^= h >> 29
	}
	return h
}

//go:noinline
func encode(v uint64, n int) string {
	s := ""
	for i := 0; i < n; i++ {
		s = fmt.Sprint(v + uint64(i))
	}
	return s
}

func handle(ctx context.Context, id int) {
	ctx, task := trace.NewTask(ctx, "request")
	defer task.End()
	trace.Logf(ctx, "request", "id=%d", id)
	var bufs [][]byte
	trace.WithRegion(ctx, "decode", func() { bufs = decode(2000) })
	var h uint64
	trace.WithRegion(ctx, "compute", func() {
		h = compute(uint64(id), 200000)
		trace.WithRegion(ctx, "checksum", func() { h ^= checksum(bufs) })
	})
	trace.WithRegion(ctx, "encode", func() { sink = encode(h, 300) })
	if id%10 == 0 {
		// A child task: the same work, one level down.
		cctx, child := trace.NewTask(ctx, "audit")
		trace.WithRegion(cctx, "compute", func() { sink = compute(h, 50000) })
		child.End()
	}
}

func main() {
	dur := flag.Duration("d", 500*time.Millisecond, "how long to run")
	traceFile := flag.String("trace", "", "write a runtime/trace execution trace here")
	workers := flag.Int("workers", 4, "concurrent request handlers")
	flag.Parse()
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
	ids := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				handle(context.Background(), id)
			}
		}()
	}
	for id := 0; time.Now().Before(deadline); id++ {
		ids <- id
	}
	close(ids)
	wg.Wait()
}
