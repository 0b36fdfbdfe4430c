package sim

import (
	"context"
	"testing"

	"github.com/quenchlab/quench/cpu"
)

func TestZZProf(t *testing.T) {
	for _, cfg := range []Config{
		{Model: "ising2d", Shape: []int{256, 256}, J: 1, T: 2.269185314213022, Beta: 1 / 2.269185314213022, Algo: "metropolis", Sweeps: 10000, Therm: 1000, Every: 1, Seed: 1, Start: "hot"},
		{Model: "ising3d", Shape: []int{64, 64, 64}, J: 1, T: 4.511523256, Beta: 1 / 4.511523256, Algo: "metropolis", Sweeps: 2000, Therm: 100, Every: 1, Seed: 1, Start: "hot"},
	} {
		st, err := NewState(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := Execute(context.Background(), cpu.New(), st, Options{}); err != nil {
			t.Fatal(err)
		}
	}
}
