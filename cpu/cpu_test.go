package cpu

import (
	"testing"

	"github.com/quenchlab/quench/backendtest"
)

func TestConformance(t *testing.T) { backendtest.Run(t, New()) }
