package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// crew is a set of goroutines that stay busy-waiting between the phases
// of a computation made of many short parallel phases (a sandpile's
// rounds: tens of microseconds each). Starting goroutines for each phase,
// as parallel does, costs about as much as such a phase: the new goroutine
// waits for an idle processor to wake up, and the phase ends before it
// runs. A crew's members spin instead (yielding to the scheduler now and
// then), so a phase starts on every member within a microsecond or so.
// Each phase's tasks are claimed one at a time, so the result must not
// depend on which goroutine runs which task. A crew is used by one
// goroutine, which takes part in every phase, and is stopped by it.
type crew struct {
	cur  atomic.Pointer[crewPhase]
	stop *crewPhase
	wg   sync.WaitGroup
}

// crewPhase is one phase: tasks 0..n-1 of f.
type crewPhase struct {
	f        func(i int)
	n        int64
	claim    atomic.Int64 // the next task to hand out
	finished atomic.Int64 // tasks done
}

// newCrew starts helpers goroutines beside the caller.
func newCrew(helpers int) *crew {
	c := &crew{stop: &crewPhase{}}
	idle := &crewPhase{} // an empty phase: nothing to do
	c.cur.Store(idle)
	for range helpers {
		c.wg.Add(1)
		go c.member(idle)
	}
	return c
}

// member runs each phase's tasks after last until the crew stops.
func (c *crew) member(last *crewPhase) {
	defer c.wg.Done()
	for {
		p := c.cur.Load()
		for spins := 1; p == last; spins++ {
			if spins%64 == 0 {
				runtime.Gosched()
			}
			p = c.cur.Load()
		}
		if p == c.stop {
			return
		}
		p.work()
		last = p
	}
}

// work claims and runs tasks of p until none are left.
func (p *crewPhase) work() {
	for {
		i := p.claim.Add(1) - 1
		if i >= p.n {
			return
		}
		p.f(int(i))
		p.finished.Add(1)
	}
}

// run runs f(0..n-1) on the crew and returns when every task is done.
func (c *crew) run(n int, f func(i int)) {
	p := &crewPhase{f: f, n: int64(n)}
	c.cur.Store(p)
	p.work()
	for spins := 1; p.finished.Load() < p.n; spins++ {
		if spins%64 == 0 {
			runtime.Gosched()
		}
	}
}

// close stops the members and waits for them.
func (c *crew) close() {
	c.cur.Store(c.stop)
	c.wg.Wait()
}
