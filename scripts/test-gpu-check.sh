#!/usr/bin/env bash
# test-gpu-check.sh: gpu-check.sh's verdicts, against stand-in binaries
# (no GPU, no Go): PASSED when every step passes, FAILED when a step fails,
# INCOMPLETE (exit 3) when the time budget leaves steps out and all that
# ran passed, or a test skipped for want of memory), and a compute-sanitizer
# that cannot run (its own internal error, a device it refuses) not
# counted. Run by CI; a few seconds.
set -uo pipefail
src=$(cd "$(dirname "$0")" && pwd)/gpu-check.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g=$tmp/gpu
mkdir -p "$g/compute-sanitizer" "$tmp/bin"
cp "$src" "$g/"
# quench: writes the summary a run's --out would hold; STUB_QUENCH_RC fails it
cat >"$g/quench" <<'STUB'
#!/usr/bin/env bash
prev= o=
for a in "$@"; do [ "$prev" = --out ] && o=$a; prev=$a; done
if [ "${1:-}" = run ] && [ -n "$o" ]; then
	mkdir -p "$o"
	echo '{"site_updates_per_ns": 1.5, "seconds": 2}' >"$o/summary.json"
	echo 'm,p' >"$o/histograms.csv"
fi
echo "quench stand-in $*"
exit "${STUB_QUENCH_RC:-0}"
STUB
# gpu.test: STUB_SLEEP seconds (benchmarks: STUB_BENCH_SLEEP), then a
# passing test; STUB_GPU_RC fails it, STUB_TESTS_FAIL the GPU tests alone
cat >"$g/gpu.test" <<'STUB'
#!/usr/bin/env bash
case " $* " in
*" -test.bench "*) sleep "${STUB_BENCH_SLEEP:-0}" ;;
*) sleep "${STUB_SLEEP:-0}" ;;
esac
if [ -n "${STUB_TESTS_FAIL:-}" ] && [[ " $* " == *" -test.skip "* ]]; then
	printf '=== RUN   TestX\n--- FAIL: TestX (0.00s)\nFAIL\n' # the GPU tests after the smoke test
	exit 1
fi
if [ -n "${STUB_MEMSKIP:-}" ] && [[ " $* " == *" -test.skip "* ]]; then
	# a test that skips for want of host memory
	printf '=== RUN   TestLargeLattice\n    gpu_test.go:206: needs 20 GiB of host memory (available 1000)\n--- SKIP: TestLargeLattice (0.00s)\nPASS\n'
	exit 0
fi
printf '=== RUN   TestX\n--- PASS: TestX (0.00s)\nBenchmarkX 1 2 ns/op\nPASS\n'
exit "${STUB_GPU_RC:-0}"
STUB
printf '#!/usr/bin/env bash\necho PASS\n' >"$g/cmd.test"
printf '#!/usr/bin/env bash\necho barrier ok\n' >"$g/grid-barrier"
# compute-sanitizer: runs the program after its 8 options; STUB_CS_INTERNAL
# reports an internal error of its own instead
cat >"$g/compute-sanitizer/compute-sanitizer" <<'STUB'
#!/usr/bin/env bash
if [ -n "${STUB_CS_INTERNAL:-}" ]; then
	echo "========= Internal Sanitizer Error: stand-in"
	echo "=== RUN   TestX"
	exit 1
fi
if [ -n "${STUB_CS_DEVICE:-}" ]; then
	# as on gVisor H200s: the device refused, then error 999 in a test
	echo "========= Error: Device not supported"
	echo "=== RUN   TestConformance"
	echo "    gpu_test.go:40: gpu: allocating 256 bytes: CUDA_ERROR_UNKNOWN (999)"
	echo "--- FAIL: TestConformance (0.01s)"
	exit 1
fi
shift 8
"$@"
rc=$?
echo "========= ERROR SUMMARY: 0 errors"
exit $rc
STUB
printf '#!/usr/bin/env bash\necho "stand-in GPU"\n' >"$tmp/bin/nvidia-smi"
chmod +x "$g"/* "$g/compute-sanitizer/compute-sanitizer" "$tmp/bin/nvidia-smi"

fails=0
# check NAME WANT-RC WANT-LINE [VAR=VALUE...]: runs gpu-check.sh issues
check() {
	local name=$1 want=$2 line=$3 rc
	shift 3
	rm -rf "$tmp/out"
	env PATH="$tmp/bin:$PATH" OUT="$tmp/out" "$@" bash "$g/gpu-check.sh" issues >"$tmp/log" 2>&1
	rc=$?
	# (OUT given: summary.txt and the logs packed into logs.tgz, no more
	# files than the device tool brings back; grep reads tar's whole list:
	# a grep -q that stops at the match would leave tar writing to a
	# closed pipe, which pipefail then counted as a failure when tar had
	# not finished, as on a loaded machine)
	if [ $rc -ne "$want" ] || ! grep -qF -- "$line" "$tmp/log" || ! grep -qF -- "$line" "$tmp/out/summary.txt" ||
		[ "$(ls "$tmp/out" | tr '\n' ' ')" != "logs.tgz summary.txt " ] ||
		{ [ "$want" != 2 ] && ! tar tzf "$tmp/out/logs.tgz" | grep "gpu-smoke.log" >/dev/null; }; then
		echo "FAIL $name: exit $rc (want $want), want the line: $line"
		tail -15 "$tmp/log"
		fails=1
	else
		echo "ok   $name"
	fi
}
check "every step passes" 0 "GPU CHECK PASSED" QUENCH_CHECK_BUDGET=900
check "a quench run fails" 1 "GPU CHECK FAILED" QUENCH_CHECK_BUDGET=900 STUB_QUENCH_RC=1
check "the smoke test fails" 1 "GPU CHECK FAILED (smoke)" QUENCH_CHECK_BUDGET=900 STUB_GPU_RC=1
check "the gpu tests fail" 1 "GPU CHECK FAILED" QUENCH_CHECK_BUDGET=900 STUB_TESTS_FAIL=1
check "the budget leaves out the large cross-checks" 3 "GPU CHECK INCOMPLETE" QUENCH_CHECK_BUDGET=60
check "the budget runs out mid-way" 3 "  ./quench verify --model sandpile" QUENCH_CHECK_BUDGET=10 STUB_SLEEP=3
check "a step timed out at what the budget had left" 3 "s, what was left of the check's time budget) ./gpu.test -test.run XXX -test.bench" QUENCH_CHECK_BUDGET=8 STUB_BENCH_SLEEP=30
check "a budget too short for the smoke test" 3 "GPU CHECK INCOMPLETE: the time budget left out the smoke test" QUENCH_CHECK_BUDGET=3
check "a smoke test that hangs" 1 "GPU CHECK FAILED (smoke)" QUENCH_CHECK_BUDGET=8 STUB_SLEEP=30
check "a sanitizer that cannot run is not counted" 0 "memcheck: COULD NOT RUN" QUENCH_CHECK_BUDGET=900 STUB_CS_INTERNAL=1
check "a sanitizer that refuses the device is not counted" 0 "memcheck: COULD NOT RUN" QUENCH_CHECK_BUDGET=900 STUB_CS_DEVICE=1
check "a test that skips for want of memory leaves the check incomplete" 3 "(skipped by the test) gpu_test.go:206: needs 20 GiB of host memory (available 1000)" QUENCH_CHECK_BUDGET=900 STUB_MEMSKIP=1
check "a bad budget" 2 "QUENCH_CHECK_BUDGET=x is not allowed" QUENCH_CHECK_BUDGET=x
exit $fails
