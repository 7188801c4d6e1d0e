// Writes runtime/pprof profiles of known work, the truth inputs for stackfold's pprof reader:
// cpu.pprof (pprof.Do labels, inlined helpers), heap.pprof, mutex.pprof, block.pprof,
// goroutine.pprof. Usage: pprofprog OUTDIR
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var sink uint64

// leaf is inlined into mid and mid into hot: one Location holds all three frames.
func leaf(x uint64) uint64 { return x*2654435761 ^ (x >> 7) }

func mid(x uint64) uint64 { return leaf(x) + leaf(x+1) }

//go:noinline
func hot(n int) uint64 {
	var s uint64
	for i := 0; i < n; i++ {
		s += mid(uint64(i))
	}
	return s
}

//go:noinline
func cold(n int) uint64 {
	var s uint64
	for i := 0; i < n; i++ {
		s ^= uint64(i) * 31
		s = s<<1 | s>>63
	}
	return s
}

func spin(d time.Duration, f func()) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		f()
	}
}

func cpuWork(d time.Duration) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		pprof.Do(context.Background(), pprof.Labels("request", "alpha"), func(context.Context) {
			spin(d, func() { sink += hot(20000) })
		})
	}()
	go func() {
		defer wg.Done()
		pprof.Do(context.Background(), pprof.Labels("request", "beta", "tier", "gold"), func(context.Context) {
			spin(d, func() { sink += cold(20000) + hot(5000) })
		})
	}()
	wg.Wait()
}

var kept [][]byte

//go:noinline
func allocSmall(n int) []byte { return make([]byte, n) }

func keep(n int) { kept = append(kept, allocSmall(n)) }

//go:noinline
func churn(rounds int) {
	for i := 0; i < rounds; i++ {
		b := allocSmall(1024 + i%4096)
		sink += uint64(len(b))
	}
}

func heapWork() {
	for i := 0; i < 2000; i++ {
		keep(4096)
	}
	churn(20000)
	runtime.GC()
}

func mutexWork() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				mu.Lock()
				sink += cold(2000)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func blockWork() {
	ch := make(chan int)
	done := make(chan bool)
	go func() {
		for v := range ch {
			sink += cold(v)
		}
		done <- true
	}()
	for i := 0; i < 300; i++ {
		ch <- 3000
	}
	close(ch)
	<-done
}

func parked(ctx context.Context, stop chan struct{}, wg *sync.WaitGroup) {
	wg.Done()
	<-stop
}

func write(dir, name string, f func(*os.File) error) {
	out, err := os.Create(filepath.Join(dir, name))
	if err == nil {
		err = f(out)
	}
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pprofprog OUTDIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	runtime.MemProfileRate = 4096
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)

	write(dir, "cpu.pprof", func(f *os.File) error {
		// 1 kHz rather than StartCPUProfile's 100 Hz, for enough samples in a short run (the
		// runtime then prints that the rate cannot be changed, and keeps this one).
		runtime.SetCPUProfileRate(1000)
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		cpuWork(1500 * time.Millisecond)
		pprof.StopCPUProfile()
		return nil
	})
	heapWork()
	write(dir, "heap.pprof", func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) })
	mutexWork()
	write(dir, "mutex.pprof", func(f *os.File) error { return pprof.Lookup("mutex").WriteTo(f, 0) })
	blockWork()
	write(dir, "block.pprof", func(f *os.File) error { return pprof.Lookup("block").WriteTo(f, 0) })

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("pool", "workers"), func(ctx context.Context) { parked(ctx, stop, &wg) })
	}
	wg.Wait()
	write(dir, "goroutine.pprof", func(f *os.File) error { return pprof.Lookup("goroutine").WriteTo(f, 0) })
	close(stop)
	runtime.KeepAlive(kept)
}
