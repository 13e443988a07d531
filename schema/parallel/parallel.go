// Package parallel runs the same work on many items with a bounded number
// of goroutines. It sits at the bottom of the graph, under schema, so that
// every layer may use it; it knows nothing of mail and holds no state.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Each runs f for 0 to n-1 on at most workers goroutines (with workers 0
// or less, as many as there are cores), handing out the numbers in order,
// and returns when all are done.
//
// The goroutines are the workers, not the items: a goroutine per zone,
// each waiting for its turn, would hold a stack per zone.
func Each(n, workers int, f func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}
