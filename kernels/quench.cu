// quench.cu: the one translation unit `make kernels` compiles into
// quench.fatbin (and kernels/emu compiles for the CPU).
#include "ising.cu"
#include "langevin.cu"
#include "particles.cu"
#include "sandpile.cu"
#include "transfer.cu"
#include "fast.cu"
#include "fieldsums.cu"
