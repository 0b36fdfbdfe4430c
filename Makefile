# quench: common tasks. Only Go is needed for everything except the cuda
# targets (vet checks the cuda build too where the CUDA headers are).
GO ?= go

.PHONY: fuzz fuzz-verify fused cross-arch all build test test-short race emu-race emu-asan emu-gpu fma bench vet fmt run kernels kernels-check cuda gpu-bundle clean

all: vet test build

build:
	$(GO) build -buildvcs=auto -o build/quench ./cmd/quench

test:
	$(GO) test ./...

test-short:
	$(GO) test -short ./...

# The CPU backend's concurrent kernels under the race detector (CI runs
# it): the kernels against their sequential references (TestConformance:
# the Ising sweep, sums, sandpile, mass transfer, diffusion; TestRowKernels
# and TestModelBBackend: phi4 on lattices of several chunks;
# TestKuramotoNoiseExact: the particle step and phase sums of 10^5
# oscillators), the sandpile's parallel bands and the crew that runs them;
# and the command's goroutines around a run (signals and interrupts, the
# run lock, the progress bar, bench's points), about 50 s of it.
RACE_TESTS = TestConformance|TestRowKernels|TestModelBBackend|TestKuramotoNoiseExact|TestSandpileBands$$|TestCrew
RACE_CMD_TESTS = Interrupt|Signal|Lock|Progress|Bench
race:
	$(GO) test -race -count=1 -run '$(RACE_TESTS)' ./cpu
	$(GO) test -race -short -count=1 -run '$(RACE_CMD_TESTS)' ./cmd/quench

# The readers of what users hand quench, and its runs at any parameters,
# fuzzed for FUZZTIME each (go test runs only their seeds): checkpoints and
# series logs (any bytes, and any JSON value in a header), --config files,
# summary.json under collect, and tiny runs of every model at any
# parameters, also extended by resume. A panic, a refusal that is not a
# one-line UsageError (exit 2), or a resumed run unlike the run made at
# once fails, and the input is kept in the package's testdata/fuzz to
# rerun with go test. Not in CI (its inputs are random).
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzReadCheckpoint$$' -fuzztime $(FUZZTIME) ./sim
	$(GO) test -run '^$$' -fuzz '^FuzzCheckpointHeader$$' -fuzztime $(FUZZTIME) ./sim
	$(GO) test -run '^$$' -fuzz '^FuzzParseLog$$' -fuzztime $(FUZZTIME) ./sim
	$(GO) test -run '^$$' -fuzz '^FuzzRunConfig$$' -fuzztime $(FUZZTIME) ./cmd/quench
	$(GO) test -run '^$$' -fuzz '^FuzzCollect$$' -fuzztime $(FUZZTIME) ./cmd/quench
	$(GO) test -run '^$$' -fuzz '^FuzzRunTiny$$' -fuzztime $(FUZZTIME) ./cmd/quench
	$(GO) test -run '^$$' -fuzz '^FuzzResumeTiny$$' -fuzztime $(FUZZTIME) ./cmd/quench

# quench verify of tiny runs of every model at any parameters, the CPU
# backend against the cuda build's GPU backend on the emulated driver
# (scripts/emu-gpu.sh build): a difference in any bit fails. Needs g++
# and the CUDA headers, like emu-gpu.
fuzz-verify:
	bash scripts/emu-gpu.sh build
	LD_LIBRARY_PATH=$(CURDIR)/build/emu-gpu QUENCH_REQUIRE_GPU=1 \
	$(GO) test -tags cuda -run '^$$' -fuzz '^FuzzVerifyTiny$$' -fuzztime $(FUZZTIME) ./cmd/quench

# The CUDA kernels' emulation (kernels/emu) built with ThreadSanitizer:
# the emulator runs a block's threads as fibers declared to it, ordered
# only by __syncthreads, and blocks on four threads at once, so a missing
# barrier, or two threads or two blocks writing one site without atomics,
# is reported and fails the test (kernels/emu/tsan.supp: the one known
# race, which stores unchanged values). About 3.5 minutes on 2 cores; not
# in CI. Needs g++.
emu-race:
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$(CURDIR)/kernels/emu/tsan.supp" \
	QUENCH_EMU_SANITIZE=thread QUENCH_REQUIRE_EMU=1 $(GO) test -count=1 -timeout 30m -run Emulated ./kernels

# The same emulation tests with AddressSanitizer and UndefinedBehavior-
# Sanitizer: a kernel that reads or writes past a buffer (what
# compute-sanitizer's memcheck finds on a GPU), or overflows a signed
# integer, shifts too far or loads misaligned, stops with a report and
# fails the test. About 35 s on 2 cores; CI runs it. Needs g++.
emu-asan:
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	QUENCH_EMU_SANITIZE=address,undefined QUENCH_REQUIRE_EMU=1 $(GO) test -count=1 -run Emulated ./kernels

# The cuda build's GPU path on a machine without a GPU: the gpu backend
# and the cuda-built quench against kernels/emu/libcuda.cpp, a stand-in
# for the CUDA driver that runs the kernels on the CPU, with
# QUENCH_REQUIRE_GPU=1 (scripts/emu-gpu.sh; CI runs its quick mode). Needs
# the CUDA headers and g++; about ten minutes on 2 cores.
emu-gpu:
	bash scripts/emu-gpu.sh full

# The float kernels' Go twins once more with fused multiply-adds allowed
# (CI runs it on x86-64 CPUs with AVX2 and FMA): GOAMD64=v3 lets the
# compiler fuse x*y + z wherever the code does not round the product by
# converting it, and the emulation tests compare with the CUDA sources
# compiled without contraction, so a missed conversion fails here; and
# stats' lagCovs, whose rounded products keep TauInt's bits, and the
# tables of the AVX2 field sums (vecTables), built with fieldBlock's
# rounded products.
fma:
	GOAMD64=v3 $(GO) test -count=1 ./internal/pmath
	GOAMD64=v3 $(GO) test -count=1 -run 'Phi4|Particle|FieldSums|Diffusion' ./kernels
	GOAMD64=v3 $(GO) test -count=1 -run 'LagCovs|SokalDirect' ./stats
	GOAMD64=v3 $(GO) test -count=1 -run 'FieldBlockVec|FieldSumsPaths|NbRowVec|Phi4StepVec|ModelBRowVec|ParticleRowVec|ParticleStepVec|KuramotoRowVec' ./cpu

# Every function of the module built for arm64 (where Go fuses x*y + z):
# fused multiply-adds only in exact values, error bars, notes, images and
# bounds, none where a run's constants, state or compared measurements
# are computed (CI runs it).
fused:
	bash scripts/check-fused.sh

# The same runs of every model on amd64 and on arm64 under qemu-user,
# compared bit for bit (needs qemu-user-static; CI installs it).
cross-arch:
	bash scripts/cross-arch.sh

# Throughput benchmarks (flips/ns, GB/s): one thread, then every core, in
# two runs (with -cpu 1,N in one, Go 1.26 ran the -cpu 1 rows with N
# threads: golang/go#49980).
bench:
	$(GO) test -run XXX -bench . -cpu 1 ./bench
	$(GO) test -run XXX -bench . -cpu $$(nproc) ./bench

CUDA_H ?= /usr/include/cuda.h

vet:
	$(GO) vet ./...
	@if [ -f $(CUDA_H) ]; then echo "$(GO) vet -tags cuda ./..."; $(GO) vet -tags cuda ./...; \
	else echo "no $(CUDA_H) (scripts/install-cuda-toolkit.sh): skipping go vet -tags cuda"; fi

fmt:
	gofmt -w .

run:
	$(GO) run ./cmd/quench run

# CUDA: kernels/quench.fatbin is committed, so `make cuda` needs the CUDA
# headers and libcuda to link against (scripts/install-cuda-toolkit.sh) but
# not nvcc. `make kernels` regenerates the fatbin (nvcc output is
# deterministic; CI checks that it matches the sources).
NVCC ?= nvcc
GENCODE = -gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86 \
	-gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=sm_90 \
	-gencode arch=compute_90,code=compute_90
# -fmad=false: no fused multiply-add may decide a bit (the CPU does not fuse).
NVCCFLAGS = -O3 -fmad=false -fatbin $(GENCODE)

kernels: kernels/quench.fatbin

KERNEL_SOURCES = kernels/quench.cu kernels/ising.cu kernels/langevin.cu kernels/particles.cu kernels/sandpile.cu kernels/transfer.cu kernels/fast.cu kernels/fieldsums.cu kernels/vecload.cuh kernels/philox.cuh kernels/pmath.cuh kernels/pmath_tables.cuh

kernels/quench.fatbin: $(KERNEL_SOURCES)
	$(NVCC) $(NVCCFLAGS) -o $@ kernels/quench.cu
	@echo "$@: generated by make kernels from $(KERNEL_SOURCES) with $$($(NVCC) --version | tail -1). DO NOT EDIT." > kernels/quench.fatbin.txt

# stripped and trimmed: the bundle must stay small enough to copy around
GPUFLAGS = -tags cuda -trimpath -ldflags "-s -w"

# Fails when the committed fatbin does not match the sources (CI). nvcc's
# output is deterministic for one toolkit, not across toolkits: with
# another nvcc than the one named in kernels/quench.fatbin.txt the bytes
# cannot be compared, which it says and fails.
kernels-check:
	@made=$$(sed -n 's/.* with \(.*\)\. DO NOT EDIT\./\1/p' kernels/quench.fatbin.txt); \
	this=$$($(NVCC) --version | tail -1); \
	if [ "$$made" != "$$this" ]; then echo "kernels/quench.fatbin was made by $$made, this nvcc is $$this: its output cannot be compared (use that toolkit, or make kernels and commit the result)"; exit 1; fi; \
	tmp=$$(mktemp) && $(NVCC) $(NVCCFLAGS) -o $$tmp kernels/quench.cu && \
	if cmp -s $$tmp kernels/quench.fatbin; then echo "kernels/quench.fatbin matches the sources"; rm -f $$tmp; \
	else echo "kernels/quench.fatbin is stale: run make kernels and commit it"; rm -f $$tmp; exit 1; fi

cuda:
	$(GO) build -buildvcs=auto $(GPUFLAGS) -o build/gpu/quench ./cmd/quench

# Everything a GPU server needs, built here: the command and the cuda test
# binaries, run there with scripts/gpu-check.sh.
gpu-bundle: cuda
	$(GO) test -c $(GPUFLAGS) -o build/gpu/gpu.test ./gpu
	$(GO) test -c $(GPUFLAGS) -o build/gpu/cmd.test ./cmd/quench
	cp scripts/gpu-check.sh build/gpu/
	-$(NVCC) -O3 -fmad=false -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
		-gencode arch=compute_90,code=compute_90 -o build/gpu/grid-barrier kernels/gridcheck/grid_barrier.cu
	-scripts/bundle-sanitizer.sh build/gpu/compute-sanitizer
	tar -C build -czf build/gpu.tar.gz gpu

# clean removes the build outputs only: runs/, the runs' default output
# directory, holds results
clean:
	rm -rf build
