// Command names prints the kernels the gpu backend loads (kernels.All)
// and its constant symbol as the table libcuda.cpp, the emulated CUDA
// driver, is built with: ENTRY(name) per kernel, then SYMBOL(name).
package main

import (
	"fmt"

	"github.com/quenchlab/quench/kernels"
)

func main() {
	for _, k := range kernels.All {
		fmt.Printf("ENTRY(%s)\n", k)
	}
	fmt.Printf("SYMBOL(%s)\n", kernels.Phi4Symbol)
}
