#!/usr/bin/env bash
# emu-gpu.sh [quick|full|build]: the GPU path of the binaries built with -tags
# cuda, on a machine without a GPU. Builds kernels/emu/libcuda.cpp, a
# stand-in for the CUDA driver that runs the kernels on the CPU (the
# emulator of kernels/emu), as build/emu-gpu/libcuda.so.1, and runs the
# cuda-tagged gpu.test, cmd.test and quench against it with
# QUENCH_REQUIRE_GPU=1: so the gpu backend's host code (launch grids,
# arguments, parameter blocks, the sandpile's round loop, downloads, the
# run loop with its snapshots and checkpoints) runs as on a GPU, and every
# result must equal the CPU backend's bit for bit. What only hardware
# shows (speed, memory ordering between blocks running at once, lattices
# past 2^31 sites) it does not.
#
#   quick (CI): the GPU tests but the large ones, the command tests, eight
#               quench verify, three GPU runs compared with CPU runs
#               (quench compare), quench bench of small lattices, resumes
#               across backends, a kernel's fault mid-run
#               (QUENCH_EMU_FAULT_AT) and the resume of its checkpoint,
#               about two minutes
#   full:       also gpu-check.sh's verify list and more run pairs, every
#               model, about ten minutes on 2 cores
#   build:      only the emulated driver and the binaries (make fuzz-verify
#               then fuzzes quench verify against it)
#
# Needs Go, g++ and the CUDA headers (scripts/install-cuda-toolkit.sh).
set -uo pipefail
mode=${1:-quick}
case $mode in
quick | full | build) ;;
*)
	echo "emu-gpu.sh: mode $mode is not allowed: quick, full or build"
	exit 2
	;;
esac
cd "$(dirname "$0")/.." || exit 1
dir=build/emu-gpu
mkdir -p $dir
echo "== build the emulated driver and the cuda binaries in $dir"
go run ./kernels/emu/names >$dir/names.inc || exit 1
g++ -std=c++20 -O1 -pthread -ffp-contract=off -fno-strict-aliasing -ftrivial-auto-var-init=pattern -Wno-unknown-pragmas -shared -fPIC -I $dir \
	-o $dir/libcuda.so.1 kernels/emu/libcuda.cpp || exit 1
go test -c -tags cuda -o $dir/gpu.test ./gpu || exit 1
go test -c -tags cuda -o $dir/cmd.test ./cmd/quench || exit 1
go build -tags cuda -o $dir/quench ./cmd/quench || exit 1
if [ "$mode" = build ]; then
	exit 0
fi
export LD_LIBRARY_PATH=$PWD/$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export QUENCH_REQUIRE_GPU=1
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== GPU tests (not the large lattices)"
(cd $dir && ./gpu.test -test.v -test.timeout 600s \
	-test.run '^(TestPhiloxKnownAnswers|TestPhiloxKATArgs|TestSqrt32|TestConformance|TestCrossCheck|TestPhi4CrossCheck|TestParticleCrossCheck|TestLatticeUpdatesCrossCheck|TestBlockWrites|TestSteadySlotsInterleaved|TestFreshScratchPairSums|TestSandScratchFreshMarks|TestSandpileResident)$') >"$tmp/gpu.log" 2>&1 || status=1
grep -E "^(--- |PASS|FAIL|ok )|device:|panic" "$tmp/gpu.log"
# the device must be the stand-in, not a real driver found first
if ! grep -q "device: quench emulated GPU" "$tmp/gpu.log"; then
	echo "the GPU tests did not run on the emulated driver"
	grep -E "_test.go" "$tmp/gpu.log" | head -20
	status=1
fi

echo "== command tests on the cuda build"
# (from the package's directory, as go test runs it: the fuzz tests'
# saved inputs in testdata/fuzz are rerun, FuzzVerifyTiny's among them)
(cd cmd/quench && "../../$dir/cmd.test" -test.timeout 600s) >"$tmp/cmd.log" 2>&1 || status=1
grep -E "^(--- FAIL|PASS|FAIL|ok )|_test.go" "$tmp/cmd.log" | head -20

echo "== quench verify"
v() {
	echo "\$ quench verify $*"
	$dir/quench verify "$@" 2>&1 | tail -1 || status=1 # pipefail: quench's status
}
v --model ising2d --L 256 --sweeps 50 --every 10
v --model ising2d --L 128 --J -1 --h 0.5 --sweeps 50 --every 10 # (the staggered plane sums)
v --model phi4 --dim 2 --L 128 --scheme em --precision float32 --sweeps 100 --every 25
v --model particles --N 100000 --potential kuramoto --k 2 --T 0.1 --scheme lm --sweeps 50 --every 25
v --model sandpile --dim 2 --L 64 --start hot --sweeps 2000 --every 500
v --model sandpile --dim 3 --L 16 --start hot --sweeps 1000 --every 500
v --model kmp --dim 2 --L 128 --sweeps 100 --every 25
# the resident sandpile kernel (cooperative launches, a grid barrier a
# round) on the default 4 emulated multiprocessors: 8 blocks of 1024
QUENCH_GPU_SANDPILE=resident v --model sandpile --dim 2 --L 256 --start stationary --sweeps 30 --every 15
QUENCH_GPU_SANDPILE=resident v --model sandpile --dim 3 --L 16 --start hot --sweeps 1000 --every 500
if [ "$mode" = full ]; then
	v --model ising3d --L 128 --sweeps 101 --seed 7 --every 10 --algo heatbath --h 0.05
	v --model ising2d --shape 2048x1024 --sweeps 100 --seed 3 --every 25 --T 1.5
	v --model phi4 --dim 2 --L 512 --scheme em --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 2 --L 508 --scheme em --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 2 --L 510 --scheme lm --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 3 --L 64 --scheme baoab --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 3 --L 64 --scheme baoab --sweeps 100 --every 25
	v --model phi4 --dim 1 --L 4096 --scheme em --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 2 --L 256 --scheme modelb --dt 0.002 --precision float32 --sweeps 100 --every 25
	v --model particles --N 999999 --d 3 --potential doublewell --scheme lm --precision float32 --sweeps 100 --every 25
	v --model particles --N 1000000 --d 2 --scheme baoab --dt 0.1 --sweeps 100 --every 25
	v --model sandpile --dim 2 --L 256 --start stationary --sweeps 300 --every 100
	v --model sandpile --dim 1 --L 1000 --start hot --sweeps 1000 --every 250
	v --model aggregation --dim 1 --L 100000 --sweeps 100 --every 25
	v --model diffusion --dim 2 --L 1024 --precision float32 --sweeps 100 --every 25
	v --model diffusion --dim 3 --L 64 --precision float64 --sweeps 100 --every 25
	# an H200's 132 SMs: the grids the backend sizes by them (the
	# sandpile's rounds, the looping row kernels) as on the GPU server
	export QUENCH_EMU_SMS=132
	v --model sandpile --dim 2 --L 256 --start stationary --sweeps 30 --every 15
	v --model kmp --dim 2 --L 512 --sweeps 50 --every 25
	v --model phi4 --dim 2 --L 512 --scheme em --precision float32 --sweeps 50 --every 25
	unset QUENCH_EMU_SMS
fi

echo "== quench run on the GPU and on the CPU, then quench compare"
pair() {
	rm -rf "$tmp/g" "$tmp/c"
	if $dir/quench run --backend cuda --quiet "$@" --out "$tmp/g" >/dev/null 2>"$tmp/err" &&
		$dir/quench run --backend cpu --quiet "$@" --out "$tmp/c" >/dev/null 2>>"$tmp/err"; then
		echo "$* -> $($dir/quench compare "$tmp/g" "$tmp/c" 2>&1 | tail -1)"
		$dir/quench compare "$tmp/g" "$tmp/c" >/dev/null 2>&1 || status=1
	else
		echo "$*: FAILED"
		tail -3 "$tmp/err"
		status=1
	fi
}
pair --model phi4 --dim 2 --L 128 --scheme baoab --precision float32 --steps 200 --therm 10
pair --model sandpile --L 128 --grains 3000 --therm-grains 500 --start hot --profile-every 300
pair --model kmp --dim 1 --L 4096 --steps 300 --therm 0 --profile-every 50
# past one group of quench.SumGroup blocks (2^18 sites): field_groups adds
# the measurement's and the kuramoto step's partials on the device
pair --model phi4 --dim 2 --L 544 --scheme em --precision float32 --steps 20 --therm 0
pair --model particles --potential kuramoto --N 300000 --k 4 --T 0.3 --scheme lm --steps 20 --therm 2
# variances far below the mean's square: centered_blocks (CenteredSums)
# takes them again about the mean, a ring relaxed nearly to uniform
pair --model diffusion --dim 1 --L 64 --steps 16000 --every 500 --therm 0 --precision float64
pair --model diffusion --dim 1 --L 64 --steps 16000 --every 500 --therm 0 --precision float32
pair --model transfer --dim 1 --L 64 --fraction 1e-9 --start cold --steps 3000 --every 100 --therm 0
if [ "$mode" = full ]; then
	pair --model kmp --L 256 --steps 200 --therm 10 --profile-every 20
	pair --model aggregation --dim 2 --L 128 --steps 200 --therm 10
	pair --model transfer --dim 2 --L 128 --fraction 0.3 --steps 200 --therm 10
	pair --model sandpile --L 256 --grains 500 --profile-every 100
	pair --model diffusion --dim 3 --L 32 --steps 100 --therm 0 --precision float64
	pair --model particles --potential kuramoto --N 20011 --k 4 --T 0.3 --scheme lm --steps 200 --therm 10
	pair --model particles --N 10000 --d 2 --scheme baoab --steps 200 --therm 10 --precision float32
	pair --model phi4 --dim 3 --L 16 --scheme modelb --steps 200 --therm 10
	pair --model ising3d --L 32 --sweeps 200 --therm 10 --algo heatbath --h 0.1
	pair --model ising2d --shape 64x96 --sweeps 200 --therm 10 --J -1 --T 1.5
	# the measurement sums on several CUDA blocks of 256 threads and many
	# groups, with an H200's 132 SMs (the CPU run ignores it)
	export QUENCH_EMU_SMS=132
	pair --model phi4 --dim 2 --L 2048 --scheme em --precision float32 --steps 3 --therm 0
	pair --model kmp --dim 2 --L 2048 --steps 3 --therm 0 --profile-every -1
	pair --model particles --potential kuramoto --N 3000000 --steps 3 --therm 0
	unset QUENCH_EMU_SMS
fi

echo "== quench bench on both backends (small sizes: the emulation's figures say nothing)"
models=ising2d,ising3d,phi4,particles,kmp,diffusion
[ "$mode" = full ] && models=$models,sandpile,aggregation,transfer
# (a 1.5 GiB emulated device: the device copy that measures "of peak" then
# takes buffers of a quarter of it, not of 1 GiB, of this machine's memory)
if QUENCH_EMU_DEVICE_BYTES=1610612736 $dir/quench bench --backend all --L 64 --N 10000 --sweeps 2 --min-time 0.01 --model $models \
	--json "$tmp/bench.json" >"$tmp/bench.txt" 2>&1 && grep -q '"backend": "cuda"' "$tmp/bench.json" &&
	grep -q "^speedup GPU/CPU" "$tmp/bench.txt" && grep -q "^cuda of peak: of the device's copy bandwidth, " "$tmp/bench.txt" &&
	grep -q '"peak_source": "device-to-device copy bandwidth measured by this bench' "$tmp/bench.json"; then
	echo "$(grep -c '^cuda ' "$tmp/bench.txt") cuda rows, $(grep -c '^cpu ' "$tmp/bench.txt") cpu rows, $(grep -c '^speedup' "$tmp/bench.txt") speedups"
	grep "^cuda of peak" "$tmp/bench.txt"
else
	tail -5 "$tmp/bench.txt"
	status=1
fi

echo "== resume of a GPU run on the CPU and of a CPU run on the GPU"
r='--model phi4 --dim 2 --L 128 --scheme baoab --precision float32 --therm 0 --quiet'
# shellcheck disable=SC2086
if $dir/quench run --backend cuda $r --steps 300 --out "$tmp/g3" >/dev/null 2>"$tmp/err" &&
	$dir/quench run --backend cuda $r --steps 100 --out "$tmp/g1" >/dev/null 2>>"$tmp/err" &&
	$dir/quench resume "$tmp/g1" --steps 300 --backend cpu --quiet >/dev/null 2>>"$tmp/err" &&
	$dir/quench run --backend cpu $r --steps 100 --out "$tmp/c1" >/dev/null 2>>"$tmp/err" &&
	$dir/quench resume "$tmp/c1" --steps 300 --backend cuda --quiet >/dev/null 2>>"$tmp/err"; then
	for d in g1 c1; do
		echo "$d -> $($dir/quench compare "$tmp/g3" "$tmp/$d" 2>&1 | tail -1)"
		$dir/quench compare "$tmp/g3" "$tmp/$d" >/dev/null 2>&1 || status=1
	done
else
	tail -3 "$tmp/err"
	status=1
fi

echo "== a kernel's fault mid-run (QUENCH_EMU_FAULT_AT: a sticky illegal-address error, as a GPU's): one line, exit 1, the last checkpoint whole; resumed on the CPU it ends as the uninterrupted run"
# (3 launches a step: the step, the measurement's sums and their groups;
# launch 450 is in step 150, between the checkpoints at 100 and 200)
f='--model phi4 --dim 2 --L 32 --steps 300 --therm 0 --checkpoint-every 100 --quiet'
# shellcheck disable=SC2086
QUENCH_EMU_FAULT_AT=450 $dir/quench run --backend cuda $f --out "$tmp/fault" >/dev/null 2>"$tmp/err"
rc=$?
echo "run: exit $rc: $(cat "$tmp/err")"
# shellcheck disable=SC2086
if [ $rc -ne 1 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q "quench resume $tmp/fault goes on from it" "$tmp/err" ||
	! $dir/quench run --backend cpu $f --out "$tmp/nofault" >/dev/null 2>&1 ||
	! $dir/quench resume "$tmp/fault" --backend cpu --quiet >/dev/null 2>"$tmp/err"; then
	echo "  want exit 1, one line that names the checkpoint to resume, and a resume that succeeds"
	tail -3 "$tmp/err"
	status=1
else
	echo "resumed on the CPU -> $($dir/quench compare "$tmp/nofault" "$tmp/fault" 2>&1 | tail -1)"
	$dir/quench compare "$tmp/nofault" "$tmp/fault" >/dev/null 2>&1 || status=1
fi

echo "== an interrupt of a cuda run and verify with GOMAXPROCS=1 (back-to-back cgo calls: before sim's yielder it took 6 s, at the first garbage collection)"
for cmd in run verify; do
	out=()
	[ $cmd = run ] && out=(--backend cuda --out "$tmp/int" --quiet)
	start=$(date +%s%N)
	GOMAXPROCS=1 timeout --preserve-status -s INT 1 $dir/quench $cmd --model particles --N 20011 --potential kuramoto \
		--scheme lm --k 2 --steps 3000 --therm 10 "${out[@]}" >/dev/null 2>"$tmp/err"
	rc=$?
	took=$((($(date +%s%N) - start) / 1000000))
	echo "$cmd: SIGINT at 1 s, exit $rc at $took ms"
	if [ $took -ge 3000 ] || [ $rc -ne 130 ]; then
		echo "  the interrupt took too long (3 s allowed), or the exit was not 130 (interrupted)"
		tail -3 "$tmp/err"
		status=1
	fi
done

echo
if [ $status -eq 0 ]; then echo "EMULATED GPU CHECK PASSED"; else echo "EMULATED GPU CHECK FAILED"; fi
exit $status
