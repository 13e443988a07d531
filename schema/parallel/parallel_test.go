package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
)

func TestEach(t *testing.T) {
	cores := runtime.GOMAXPROCS(0)
	for _, tc := range []struct{ n, workers, bound int }{
		{0, 4, 4},
		{1, 4, 1},
		{100, 3, 3},
		{5, 8, 5},
		{50, 0, cores},
		{50, -1, cores},
	} {
		var running, peak atomic.Int64
		runs := make([]atomic.Int64, tc.n)
		Each(tc.n, tc.workers, func(i int) {
			r := running.Add(1)
			for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
			}
			runs[i].Add(1)
			runtime.Gosched() // let the other workers in
			running.Add(-1)
		})
		for i := range runs {
			if c := runs[i].Load(); c != 1 {
				t.Errorf("Each(%d, %d): item %d ran %d times, want once", tc.n, tc.workers, i, c)
			}
		}
		if r := running.Load(); r != 0 {
			t.Errorf("Each(%d, %d) returned with %d items still running", tc.n, tc.workers, r)
		}
		if p := peak.Load(); p > int64(tc.bound) {
			t.Errorf("Each(%d, %d): %d items ran at once, want at most %d", tc.n, tc.workers, p, tc.bound)
		}
	}
}
