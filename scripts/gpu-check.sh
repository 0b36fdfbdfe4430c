#!/usr/bin/env bash
# Every GPU check, run on a GPU server from the bundle `make gpu-bundle`
# builds (build/gpu: quench, gpu.test, cmd.test and this script). Needs the
# NVIDIA driver, not Go. Logs go to $OUT (or ./gpu-logs); a summary to stdout.
#
#   gpu-check.sh          everything (about 8 minutes on an H200)
#   gpu-check.sh tests    GPU tests, command tests and quench verify
#   gpu-check.sh bench    benchmarks only
set -uo pipefail
what=${1:-all}
cd "$(dirname "$0")"
out=${OUT:-$PWD/gpu-logs}
mkdir -p "$out"
export QUENCH_REQUIRE_GPU=1
status=0
step() { echo; echo "== $*"; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv 2>&1 | tee "$out/nvidia-smi.txt"

if [ "$what" != bench ]; then
step "gpu tests (conformance incl. sandpile, Philox known answers, CPU-GPU cross-checks of every model, 2^32 and 2^36 sites)"
timeout 300 ./gpu.test -test.v -test.timeout 280s >"$out/gpu-tests.log" 2>&1 || status=1
grep -E "^(--- |PASS|FAIL|ok )|identical|device:|panic" "$out/gpu-tests.log"

step "command tests on a cuda build"
timeout 120 ./cmd.test -test.timeout 110s >"$out/cmd-tests.log" 2>&1 || status=1
grep -E "^(--- FAIL|PASS|FAIL|ok )" "$out/cmd-tests.log"

step "quench verify"
timeout 120 ./quench verify --model ising2d --L 1024 --sweeps 100 --seed 7 --every 10 || status=1
timeout 120 ./quench verify --model ising3d --L 128 --sweeps 101 --seed 7 --every 10 --algo heatbath --h 0.05 || status=1
timeout 120 ./quench verify --model ising2d --shape 2048x1024 --sweeps 100 --seed 3 --every 25 --T 1.5 || status=1
timeout 120 ./quench verify --model phi4 --dim 2 --L 512 --scheme em --precision float32 --sweeps 100 --every 25 || status=1
timeout 120 ./quench verify --model phi4 --dim 3 --L 64 --scheme baoab --sweeps 100 --every 25 || status=1
timeout 120 ./quench verify --model phi4 --dim 2 --L 256 --scheme modelb --dt 0.002 --precision float32 --sweeps 100 --every 25 || status=1
timeout 120 ./quench verify --model particles --N 1000000 --d 2 --scheme baoab --dt 0.1 --sweeps 100 --every 25 || status=1
timeout 120 ./quench verify --model particles --N 1000000 --potential kuramoto --k 2 --T 0.1 --scheme lm --sweeps 100 --every 25 || status=1
timeout 120 ./quench verify --model sandpile --dim 2 --L 64 --sweeps 2000 --every 500 || status=1
timeout 120 ./quench verify --model kmp --dim 2 --L 512 --sweeps 100 --every 25 || status=1
timeout 120 ./quench verify --model aggregation --dim 1 --L 100000 --sweeps 100 --every 25 || status=1
timeout 120 ./quench verify --model diffusion --dim 3 --L 64 --precision float32 --sweeps 100 --every 25 || status=1

fi

if [ "$what" != tests ]; then
step "benchmarks"
timeout 240 ./gpu.test -test.run XXX -test.bench . -test.benchtime 30x 2>&1 | tee "$out/gpu-bench.txt" | grep Benchmark
timeout 240 ./quench bench --backend all --sweeps 20 --json "$out/bench.json" 2>&1 | tee "$out/quench-bench.txt"
fi

echo
if [ $status -eq 0 ]; then echo "GPU CHECK PASSED"; else echo "GPU CHECK FAILED"; fi
exit $status
