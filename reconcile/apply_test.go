package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/reconcile/plan"
)

var cmpSorted = cmpopts.SortSlices(func(a, b string) bool { return a < b })

// testSteps makes n steps, each with one change named after it.
func testSteps(n int, parallel bool, run func(i int) error) []step {
	steps := make([]step, n)
	for i := range steps {
		steps[i] = step{what: fmt.Sprintf("step %d", i), changes: []*plan.Change{{Address: fmt.Sprintf("c%d", i)}}, parallel: parallel,
			run: func(context.Context) error { return run(i) }}
	}
	return steps
}

func changeAddresses(cs []*plan.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Address)
	}
	return out
}

// Zones are written several at a time, never more than asked, and
// reported in the plan's order.
func TestRunWritesZonesSideBySide(t *testing.T) {
	const workers = 3
	var mu sync.Mutex
	running, most := 0, 0
	full := make(chan struct{}) // closed once workers steps run at once
	steps := testSteps(7, true, func(i int) error {
		mu.Lock()
		running++
		most = max(most, running)
		if running == workers && most == workers && i < workers {
			close(full)
		}
		mu.Unlock()
		if i < workers {
			// The first ones wait for each other: they must overlap.
			select {
			case <-full:
			case <-time.After(10 * time.Second):
				return errors.New("the first steps did not run side by side")
			}
		}
		mu.Lock()
		running--
		mu.Unlock()
		return nil
	})
	var seen []string
	res := &Result{}
	ok := res.run(context.Background(), steps, func(s Step) {
		seen = append(seen, fmt.Sprintf("%s done=%v", s.What, s.Done))
	}, workers)
	if !ok || res.Err != nil {
		t.Fatalf("run: %v", res.Err)
	}
	if most > workers {
		t.Errorf("%d steps ran at once, want at most %d", most, workers)
	}
	var want []string
	for i := range 7 {
		want = append(want, fmt.Sprintf("step %d done=false", i), fmt.Sprintf("step %d done=true", i))
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"c0", "c1", "c2", "c3", "c4", "c5", "c6"}, changeAddresses(res.Applied)); diff != "" {
		t.Errorf("applied (-want +got):\n%s", diff)
	}
}

// A step that may not run beside others (a backend's transaction) runs
// alone, and the zones after it start only once it is written.
func TestRunBackendBeforeZones(t *testing.T) {
	var mu sync.Mutex
	var order []string
	log := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	backend := step{what: "backend", changes: []*plan.Change{{Address: "b"}}, run: func(context.Context) error {
		log("backend start")
		log("backend end")
		return nil
	}}
	zones := testSteps(4, true, func(i int) error {
		log("zone")
		return nil
	})
	res := &Result{}
	if !res.run(context.Background(), append([]step{backend}, zones...), func(Step) {}, 8) {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff([]string{"backend start", "backend end", "zone", "zone", "zone", "zone"}, order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// After a zone fails no other starts; those already running finish and
// are reported as written; every change is applied, failed or skipped
// exactly once, and the error names the zone.
func TestRunStopsAtFailure(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			steps := testSteps(10, true, func(i int) error {
				if i == 3 {
					return errors.New("connection refused")
				}
				return nil
			})
			tail := step{what: "after", changes: []*plan.Change{{Address: "after"}}, run: func(context.Context) error {
				t.Error("a step after the failed group ran")
				return nil
			}}
			var reported []string
			res := &Result{}
			ok := res.run(context.Background(), append(steps, tail), func(s Step) {
				if s.Done {
					reported = append(reported, s.What)
				}
			}, workers)
			if ok || res.Err == nil || !strings.Contains(res.Err.Error(), "step 3: connection refused") {
				t.Fatalf("ok %v, err %v", ok, res.Err)
			}
			if diff := cmp.Diff([]string{"c3"}, changeAddresses(res.Failed)); diff != "" {
				t.Errorf("failed (-want +got):\n%s", diff)
			}
			all := append(append(changeAddresses(res.Applied), changeAddresses(res.Failed)...), changeAddresses(res.Skipped)...)
			want := []string{"after"}
			for i := range 10 {
				want = append(want, fmt.Sprintf("c%d", i))
			}
			if diff := cmp.Diff(want, all, cmpSorted); diff != "" {
				t.Errorf("applied, failed and skipped (-want +got):\n%s", diff)
			}
			for _, c := range res.Applied {
				if c.Address == "c4" && workers == 1 {
					t.Error("with one worker, a zone after the failed one was written")
				}
			}
			if len(reported) != len(res.Applied)+len(res.Failed) {
				t.Errorf("reported %v, for %d applied and %d failed", reported, len(res.Applied), len(res.Failed))
			}
		})
	}
}

// panel is a backend that is not atomic: it writes the first operations
// and refuses the one after.
type panel struct{ writes int }

func (b *panel) Read(context.Context) (*mail.State, error) { return &mail.State{}, nil }
func (b *panel) Capabilities() mail.Capabilities           { return mail.Capabilities{} }
func (b *panel) Close() error                              { return nil }
func (b *panel) Apply(_ context.Context, ops []mail.Op) error {
	return &mail.PartialError{Done: b.writes, Err: fmt.Errorf("%s: refused", ops[b.writes].Mailbox.Address)}
}

// A backend that is not atomic has the changes it wrote before it failed
// reported as applied, and the rest as failed.
func TestPartialBackendStep(t *testing.T) {
	var changes []*plan.Change
	for _, a := range []string{"a", "b", "c"} {
		changes = append(changes, &plan.Change{Address: a, Kind: plan.KindMailbox, Action: plan.Create, Provider: "panel",
			After: &mail.Mailbox{Address: a + "@x.test"}})
	}
	provs := &Providers{Mail: map[string]mail.Backend{"panel": &panel{writes: 1}}}
	steps, err := buildSteps(changes, nil, nil, provs, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{}
	if res.run(context.Background(), steps, func(Step) {}, 1) || res.Err == nil || !strings.Contains(res.Err.Error(), "b@x.test: refused") {
		t.Fatalf("the failed step was not reported: %v", res.Err)
	}
	if diff := cmp.Diff([]string{"a"}, changeAddresses(res.Applied)); diff != "" {
		t.Errorf("applied (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b", "c"}, changeAddresses(res.Failed)); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
}
