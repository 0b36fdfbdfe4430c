#!/usr/bin/env bash
# Every GPU check, run on a GPU server from the bundle `make gpu-bundle`
# builds (build/gpu: quench, gpu.test, cmd.test, grid-barrier and this script). Needs the
# NVIDIA driver, not Go. A summary goes to stdout and to summary.txt in
# $OUT, the logs to logs.tgz there (without OUT: ./gpu-logs, the logs as
# files beside summary.txt).
#
#   gpu-check.sh          everything (a few minutes on an H200)
#   gpu-check.sh tests    GPU tests, command tests, quench verify and compare,
#                         the cross-checks past 2^31 sites, memcheck
#   gpu-check.sh bench    benchmarks only
#   gpu-check.sh issues   what the open issues still need from a GPU: their
#                         go benchmarks first (phi4, particles, diffusion,
#                         the phi4 measurement sums,
#                         kmp, the resident sandpile kernel's grid
#                         barrier alone (grid-barrier: stale reads and
#                         its cost), sandpile 4096^2 and 16384^2 from the
#                         stationary state with both GPU sandpile
#                         kernels), then the GPU tests, verify
#                         of the Langevin and lattice-update models and a
#                         GPU run compared with a CPU one (quench
#                         compare), then,
#                         if 200 s of the budget are left, the CPU-GPU
#                         cross-checks past 2^31 sites, then, if 60 s are
#                         left and the bundle has compute-sanitizer, its
#                         memcheck of the small cross-checks and of the
#                         resident sandpile kernel, then, if 80 s are
#                         left, the CPU sandpile on one goroutine and on
#                         all cores, and if 50 s are left, a kmp run on the
#                         GPU with profile snapshots; about 5-7 minutes
#
# A failing Philox smoke test (the first GPU launch) stops the script at
# once: nothing after it could pass.
#
# The last line is the verdict: GPU CHECK PASSED (exit 0), GPU CHECK FAILED
# (exit 1), or GPU CHECK INCOMPLETE (exit 3: all that ran passed, and the
# time budget left out the steps named above it). scripts/test-gpu-check.sh
# checks them against stand-in binaries.
set -uo pipefail
what=${1:-all}
caller=$PWD
cd "$(dirname "$0")"
out=${OUT:-$PWD/gpu-logs}
case $out in
/*) ;;
*) out=$caller/$out ;; # a relative OUT is the caller's
esac
mkdir -p "$out"
# the logs: in $out itself, or, where OUT is given (the device tool, which
# brings back at most 8 files of it), in a folder of their own packed into
# $out/logs.tgz at every step and at the end (a review counted up to 14
# files), beside summary.txt
logs=$out
if [ -n "${OUT:-}" ]; then
	logs=$(mktemp -d)
fi
pack() {
	[ "$logs" = "$out" ] && return 0
	tar czf "$out/logs.tgz.part" -C "$logs" . 2>/dev/null && mv -f "$out/logs.tgz.part" "$out/logs.tgz"
}
exec > >(tee "$out/summary.txt") 2>&1
teepid=$!
finish() { # finish CODE: let tee write the last lines to summary.txt, then exit
	pack
	[ "$logs" = "$out" ] || rm -rf "$logs"
	exec >&- 2>&- 3>&-
	wait "$teepid"
	exit "$1"
}
export QUENCH_REQUIRE_GPU=1
status=0
skipped=() # the steps the budget left out
tmo_cut=0  # the last tmo cut its command short (tmo)
t0=$SECONDS
step() { pack; echo; echo "== [$((SECONDS - t0)) s] $*"; }
# The whole script keeps to QUENCH_CHECK_BUDGET seconds (default 540, under
# a 600 s remote command limit): each step's timeout is cut to what is left,
# and a step with nothing left is skipped and named at the end, where the
# verdict is then INCOMPLETE (exit 3) unless something failed. A step
# that times out gets SIGQUIT first, so a Go test binary prints where it
# hung.
budget=${QUENCH_CHECK_BUDGET:-540}
if ! [[ $budget =~ ^[0-9]+$ ]]; then
	echo "QUENCH_CHECK_BUDGET=$budget is not allowed: a whole number of seconds"
	finish 2
fi
exec 3>&1 # the summary, also from inside pipelines and redirected steps
left() { # left N: N, or the seconds left if fewer (0 when spent)
	local l=$((budget - (SECONDS - t0)))
	((l < 0)) && l=0
	((l < $1)) && echo $l || echo "$1"
}
tmo() { # tmo N cmd...: cmd under the smaller of N and the budget left
	local n cut rc c
	n=$(left "$1")
	# cut short: the budget left under the step's own limit, so that a
	# timeout says the budget ran out rather than that the step hung (a
	# review: under the half of it an earlier rule took, a slow but
	# healthy step given 120 of its 195 s failed the check)
	cut=$((n < $1))
	tmo_cut=0
	shift
	c="$*"
	if ((n < 5)); then
		echo "(skipped: the check's time budget is spent) $*" >&3
		skipped+=("${c:0:150}")
		return 200
	fi
	timeout -s QUIT -k 10 "$n" "$@"
	rc=$?
	if ((cut && (rc == 124 || rc == 137))); then
		# timed out at what the budget had left, well short of its own
		# limit: left out for want of time, as a skipped step is
		echo "(cut short after $n s, what was left of the check's time budget) $*" >&3
		skipped+=("(cut short) ${c:0:140}")
		tmo_cut=1
		return 200
	fi
	return $rc
}
# failed: after `tmo ... || failed`, fails the check unless tmo skipped the
# command for want of time (exit 200, already named in skipped)
failed() {
	local rc=$?
	((rc == 200)) || status=1
}
# piped RC WHAT: after `tmo ... | tee ... | grep ...`, fails the check when
# tmo's command failed, or names WHAT as skipped (a pipeline's tmo runs in
# a subshell, whose skipped list is lost)
piped() {
	if (($1 == 200)); then
		skipped+=("$2")
	elif (($1 != 0)); then
		status=1
	fi
}
# large: the CPU-GPU cross-checks past 2^31 sites (phi4, kmp, a sandpile
# avalanche), 30 GiB of device and 72 GiB of host memory, a minute or two,
# when 200 s of the budget are left (else skipped, and named at the end)
large() {
	(($(left 240) >= 200)) || {
		echo "(skipped: under 200 s of the budget left) the cross-checks past 2^31 sites" >&3
		skipped+=("the cross-checks past 2^31 sites")
		return
	}
	step "CPU-GPU cross-checks on 2^31 + 2^22 sites (QUENCH_GPU_LARGE=1)"
	QUENCH_GPU_LARGE=1 tmo 240 ./gpu.test -test.v -test.run 'TestAbove2to31CrossCheck' -test.timeout 230s >"$logs/gpu-large.log" 2>&1 || failed
	grep -E "^\s*(--- |PASS|FAIL|ok )|panic|_test.go" "$logs/gpu-large.log" | head -20
	memskips "$logs/gpu-large.log"
}

# sanitize: NVIDIA's compute-sanitizer memcheck (out-of-bounds and
# misaligned device accesses) over the small lattices of the conformance
# tests and the phi4, particle and lattice-update cross-checks, then the
# resident sandpile kernel's test in a process of its own, when the bundle
# has it (scripts/bundle-sanitizer.sh) and 60 s of the budget are left.
# A memory error it reports fails the check, and so does a test failing
# under it in the first run; a sanitizer that cannot run here (driver,
# version, its own internal error), or that runs out of time before
# reporting anything, says so and does not. The resident kernel is one
# cooperative launch sized to the blocks the device holds at once, and
# traps when a block waits 30 s at its grid barrier: under the
# instrumentation either may fail without a fault of the kernel's, so a
# failure of that test alone is shown and not counted.
sanitize() {
	local cs=./compute-sanitizer/compute-sanitizer n
	if [ ! -x $cs ]; then
		echo "(no compute-sanitizer in the bundle: memcheck not run)" >&3
		return
	fi
	n=$(left 90)
	((n >= 60)) || {
		echo "(skipped: under 60 s of the budget left) compute-sanitizer memcheck" >&3
		skipped+=("compute-sanitizer memcheck")
		return
	}
	step "compute-sanitizer memcheck: conformance, phi4, particle and lattice-update cross-checks, then the resident sandpile kernel"
	memcheck "$n" memcheck.log strict '^(TestConformance|TestPhi4CrossCheck|TestParticleCrossCheck|TestLatticeUpdatesCrossCheck)$'
	n=$(left 45)
	if ((n >= 30)); then
		memcheck "$n" memcheck-resident.log lenient '^TestSandpileResident$'
	else
		echo "(skipped: under 30 s of the budget left) memcheck of TestSandpileResident" >&3
		skipped+=("memcheck of TestSandpileResident")
	fi
}

# memcheck SECONDS LOG strict|lenient TESTS: one memcheck run of gpu.test
# (sanitize); lenient: a test failing under it, with no memory error
# reported, is not counted
memcheck() {
	local cs=./compute-sanitizer/compute-sanitizer n=$1 log=$logs/$2 mode=$3 rc
	# memory errors only: an API call a test expects to fail is no error
	tmo "$n" $cs --tool memcheck --report-api-errors no --error-exitcode 9 --print-limit 20 ./gpu.test -test.v \
		-test.run "$4" -test.timeout "$((n - 10))s" >"$log" 2>&1
	rc=$?
	echo "\$ memcheck -test.run '$4' ($2)"
	grep -E "^(--- |PASS|FAIL|ok )|ERROR SUMMARY|^========= (Invalid|Program hit|Error|Internal)" "$log" | head -30
	# errors it reported before a timeout count too
	if [ $rc -eq 9 ] || grep -qE "ERROR SUMMARY: [1-9]|^========= (Invalid|Misaligned|Out-of-range)" "$log"; then
		echo "memcheck: ERRORS (see $2)"
		status=1
	elif [ $rc -eq 0 ]; then
		echo "memcheck: no errors"
	elif [ $rc -eq 200 ]; then
		: # skipped by tmo, and named there
	elif ! grep -q "^=== RUN" "$log" || grep -qiE "internal sanitizer error|sanitizer.*(not supported|unsupported)|device not supported|CUDA_ERROR_UNKNOWN|error 999" "$log"; then
		# (on gVisor H200s the sanitizer refused the device, "Device not
		# supported", then error 999 at the first allocation, inside a
		# test that had begun)
		echo "memcheck: COULD NOT RUN (exit $rc; the sanitizer may not support this driver): not counted"
		tail -5 "$log"
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ] || grep -q "panic: test timed out" "$log"; then
		echo "memcheck: TIMED OUT after $n s with no error reported so far: not counted"
	elif [ "$mode" = lenient ]; then
		echo "memcheck: the test FAILED under the sanitizer, with no memory error reported (exit $rc): not counted, as the cooperative launch may not fit or keep its pace under the instrumentation"
		grep -E "_test.go|panic|signal|trap|cooperative" "$log" | head -10
	else
		echo "memcheck: FAILED (exit $rc: a test failed or crashed under the sanitizer)"
		grep -E "_test.go|panic|signal" "$log" | head -10
		status=1
	fi
}

# cmp: a run on the GPU and a shorter one of it on the CPU, made apart and
# compared from their checkpoints (quench compare), as a user compares a
# GPU server's run with a CPU one
cmp() {
	step "quench compare: a GPU run of 400 steps and a CPU run of its first 100, then of all 400"
	local tmp r='--model phi4 --dim 2 --L 512 --scheme baoab --precision float32 --therm 0 --quiet'
	tmp=$(mktemp -d)
	# shellcheck disable=SC2086
	if tmo 60 ./quench run --backend cuda $r --steps 400 --out "$tmp/gpu" >/dev/null 2>"$tmp/err" &&
		tmo 60 ./quench run --backend cpu $r --steps 100 --out "$tmp/cpu" >/dev/null 2>"$tmp/err"; then
		tmo 30 ./quench compare "$tmp/gpu" "$tmp/cpu" || failed
		echo "\$ quench resume cpu --steps 400, then compare again (the states too)"
		if tmo 60 ./quench resume "$tmp/cpu" --steps 400 --quiet >/dev/null 2>"$tmp/err"; then
			tmo 30 ./quench compare "$tmp/gpu" "$tmp/cpu" || failed
		else
			failed # first: it reads the condition's exit status
			tail -2 "$tmp/err"
		fi
	else
		failed # first: it reads the condition's exit status
		tail -2 "$tmp/err"
	fi
	rm -rf "$tmp"
}

step "device"
# a broken driver can hang these: 30 s each
timeout -k 5 30 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv 2>&1
timeout -k 5 30 ./quench version 2>&1

step "smoke: Philox known answers on the GPU"
tmo 60 ./gpu.test -test.v -test.run 'TestPhiloxKnownAnswers' -test.timeout 55s >"$logs/gpu-smoke.log" 2>&1
rc=$?
if ((rc != 0)); then
	# the first launch: a timeout, even one the budget cut, is a hang
	if ((rc == 200 && !tmo_cut)); then
		echo "GPU CHECK INCOMPLETE: the time budget left out the smoke test"
		finish 3
	fi
	tail -40 "$logs/gpu-smoke.log"
	echo "GPU CHECK FAILED (smoke)"
	finish 1
fi
grep -E "^(--- |ok |PASS)" "$logs/gpu-smoke.log"

# gputests runs the gpu tests in two processes: the resident sandpile
# kernel's test alone, as its barrier's 30 s trap (a hang caught) ends the
# CUDA context of its process, which would fail every test after it
gputests() {
	tmo 195 ./gpu.test -test.v -test.timeout 185s -test.skip '^TestSandpileResident$' >"$logs/gpu-tests.log" 2>&1 || failed
	tmo 45 ./gpu.test -test.v -test.timeout 40s -test.run '^TestSandpileResident$' >>"$logs/gpu-tests.log" 2>&1 || failed
	grep -E "^\s*(--- |PASS|FAIL|ok )|identical|device:|panic|_test.go" "$logs/gpu-tests.log" | head -150
	memskips "$logs/gpu-tests.log"
}

# memskips LOG: a test that skipped for want of host or device memory (a
# VM whose memory grows with use can read short at the start) did not
# run: named as left out, so the verdict is INCOMPLETE, not PASSED
memskips() {
	local l
	while IFS= read -r l; do
		skipped+=("(skipped by the test) ${l:0:140}")
	done < <(grep -oE "[A-Za-z_]+_test\.go:[0-9]+: needs [0-9]+ GiB of [a-z ]*memory[^)]*\)" "$1")
}

if [ "$what" != bench ] && [ "$what" != issues ]; then
	step "gpu tests (conformance incl. sandpile, Philox known answers, CPU-GPU cross-checks of every model, 2^32 and 2^36 sites)"
	gputests

	step "quench verify"
	v() { echo "\$ quench verify $*"; tmo 90 ./quench verify "$@" || failed; }
	v --model ising2d --L 1024 --sweeps 100 --seed 7 --every 10
	v --model ising3d --L 128 --sweeps 101 --seed 7 --every 10 --algo heatbath --h 0.05
	v --model ising2d --shape 2048x1024 --sweeps 100 --seed 3 --every 25 --T 1.5
	# an antiferromagnet in a field: the staggered plane sums (its modes)
	v --model ising3d --L 96 --J -1 --h 0.5 --T 3 --sweeps 100 --seed 5 --every 10
	v --model phi4 --dim 2 --L 512 --scheme em --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 2 --L 508 --scheme em --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 3 --L 64 --scheme baoab --sweeps 100 --every 25
	v --model phi4 --dim 2 --L 256 --scheme modelb --dt 0.002 --precision float32 --sweeps 100 --every 25
	v --model particles --N 1000000 --d 2 --scheme baoab --dt 0.1 --sweeps 100 --every 25
	v --model particles --N 1000000 --potential kuramoto --k 2 --T 0.1 --scheme lm --sweeps 100 --every 25
	v --model particles --N 999999 --d 3 --potential doublewell --scheme lm --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 3 --L 64 --scheme baoab --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 2 --L 510 --scheme lm --precision float32 --sweeps 100 --every 25
	v --model sandpile --dim 2 --L 64 --start hot --sweeps 2000 --every 500
	v --model sandpile --dim 3 --L 24 --start hot --sweeps 3000 --every 1000
	v --model kmp --dim 2 --L 512 --sweeps 100 --every 25
	v --model aggregation --dim 1 --L 100000 --sweeps 100 --every 25
	v --model diffusion --dim 3 --L 64 --precision float32 --sweeps 100 --every 25
	v --model diffusion --dim 2 --L 1024 --precision float64 --sweeps 100 --every 25
	cmp
fi

if [ "$what" = issues ]; then
	# the benchmarks first: the open issues close on their figures, and the
	# tests and verify runs after them keep to what is left of the budget
	step "go benchmarks for the open issues"
	tmo 150 ./gpu.test -test.run XXX -test.bench 'Phi4|Particles|Diffusion|KMP|FieldSums' -test.benchtime 30x 2>&1 | tee "$logs/gpu-bench.txt" | grep -E "Benchmark|skipped|FAIL|panic"
	piped "${PIPESTATUS[0]}" "the go benchmarks for the open issues"
	# the resident kernel's grid barrier alone: stale reads, and its cost
	# (kernels/gridcheck; under a second)
	if [ -x ./grid-barrier ]; then
		tmo 60 ./grid-barrier 2>&1 | tee "$logs/grid-barrier.txt"
		piped "${PIPESTATUS[0]}" grid-barrier
	else
		echo "!! no grid-barrier in the bundle (make gpu-bundle without nvcc): skipped"
	fi
	# the rounds kernels for 5 s, then the resident kernel on the same grains
	# (at most 15 s each in blocks of 1024 and of 256)
	tmo 240 ./gpu.test -test.run XXX -test.bench 'SandpileKernels' -test.benchtime 1x 2>&1 | tee -a "$logs/gpu-bench.txt" | grep -E "Benchmark|skipped|FAIL|panic"
	piped "${PIPESTATUS[0]}" "the sandpile kernels' benchmarks"

	step "gpu tests"
	gputests

	step "quench verify (Langevin and lattice updates)"
	v() { echo "\$ quench verify $*"; tmo 90 ./quench verify "$@" || failed; }
	v --model phi4 --dim 2 --L 512 --scheme em --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 2 --L 508 --scheme em --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 2 --L 510 --scheme lm --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 3 --L 64 --scheme baoab --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 1 --L 4096 --scheme em --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 2 --L 256 --scheme modelb --dt 0.002 --precision float32 --sweeps 100 --every 25
	v --model phi4 --dim 3 --L 64 --scheme baoab --sweeps 100 --every 25
	v --model particles --N 999999 --d 3 --potential doublewell --scheme lm --precision float32 --sweeps 100 --every 25
	v --model particles --N 1000000 --d 2 --scheme em --precision float32 --sweeps 100 --every 25
	v --model sandpile --dim 2 --L 64 --start hot --sweeps 2000 --every 500
	v --model sandpile --dim 2 --L 256 --start stationary --sweeps 300 --every 100
	v --model sandpile --dim 3 --L 24 --start hot --sweeps 3000 --every 1000
	v --model sandpile --dim 1 --L 1000 --start hot --sweeps 1000 --every 250
	QUENCH_GPU_SANDPILE=resident v --model sandpile --dim 2 --L 1024 --start stationary --sweeps 200 --every 50
	QUENCH_GPU_SANDPILE=resident v --model sandpile --dim 3 --L 24 --start hot --sweeps 3000 --every 1000
	v --model kmp --dim 2 --L 512 --sweeps 100 --every 25
	v --model diffusion --dim 2 --L 1024 --precision float32 --sweeps 100 --every 25
	# a variance far below the mean's square: centered_blocks (CenteredSums)
	v --model diffusion --dim 1 --L 64 --precision float64 --sweeps 16000 --every 500 --therm 0
	v --model transfer --dim 1 --L 64 --fraction 1e-9 --start cold --sweeps 3000 --every 100 --therm 0
	cmp

	# the 64-bit indexing past 2^31 sites before the optional checks below
	large

	# out-of-bounds device accesses on the conformance lattices
	sanitize

	# with what is left of the budget: the CPU backend's sandpile rounds on
	# one goroutine and on every core (bands side by side), the same grains
	if (($(left 100) >= 80)); then
		step "CPU sandpile 4096^2, first 40 grains of the stationary start: one goroutine, then all $(nproc) cores"
		tmp=$(mktemp -d)
		for p in 1 "$(nproc)"; do
			if GOMAXPROCS=$p tmo 40 ./quench run --model sandpile --L 4096 --start stationary --therm-grains 0 --grains 40 \
				--backend cpu --quiet --out "$tmp/p$p" >/dev/null 2>&1; then
				echo "GOMAXPROCS=$p: $(grep -o '"site_updates_per_ns": *[0-9.e-]*' "$tmp/p$p/summary.json") (topplings/ns)"
			else
				echo "GOMAXPROCS=$p: did not finish"
			fi
		done
		rm -rf "$tmp"
	else
		echo "(skipped: under 80 s of the budget left) the CPU sandpile 4096^2" >&3
	fi

	# then a run through the driver on the GPU with profile snapshots
	# (downloads mid-run, host FFTs on every core)
	if (($(left 60) >= 50)); then
		step "quench run --backend cuda: kmp 8192^2, 40 steps, P(m) and C(r) every 10"
		tmp=$(mktemp -d)
		s0=$SECONDS
		if tmo 45 ./quench run --backend cuda --model kmp --L 8192 --steps 40 --therm 0 --profile-every 10 \
			--quiet --out "$tmp/kmp" >"$logs/kmp-run.txt" 2>&1; then
			grep -E "^mass_|site updates/ns|snapshots" "$logs/kmp-run.txt"
			echo "wall $((SECONDS - s0)) s; $(grep -o '"profile_snapshots": *[0-9]*' "$tmp/kmp/summary.json"); $(grep -o '"site_updates_per_ns": *[0-9.e-]*' "$tmp/kmp/summary.json")"
			head -c 400 "$tmp/kmp/histograms.csv"
		else
			failed # first: it reads the condition's exit status
			tail -5 "$logs/kmp-run.txt"
		fi
		rm -rf "$tmp"
	else
		echo "(skipped: under 50 s of the budget left) the kmp run through the driver" >&3
	fi

	# a whole run's rate (stepping and measuring) measured every step and
	# every 50th: what the measurement sums (field_sums, field_groups, the
	# copy of the groups) cost against BenchmarkPhi4EMFloat32L16384's steps
	if (($(left 90) >= 80)); then
		step "quench run --backend cuda: phi4 em float32 16384^2, 200 steps, measured every step, then every 50th"
		tmp=$(mktemp -d)
		for e in 1 50; do
			s0=$SECONDS
			if tmo 40 ./quench run --backend cuda --model phi4 --L 16384 --scheme em --precision float32 --steps 200 --therm 0 \
				--every $e --quiet --out "$tmp/e$e" >"$logs/phi4-every$e.txt" 2>&1; then
				echo "--every $e: wall $((SECONDS - s0)) s; $(grep -o '"site_updates_per_ns": *[0-9.e-]*' "$tmp/e$e/summary.json"); $(grep -o '"seconds": *[0-9.e-]*' "$tmp/e$e/summary.json" | head -1)"
			else
				failed # first: it reads the condition's exit status
				tail -3 "$logs/phi4-every$e.txt"
			fi
			rm -rf "$tmp/e$e"
		done
		rm -rf "$tmp"
	else
		echo "(skipped: under 80 s of the budget left) the phi4 16384^2 runs through the driver" >&3
	fi
fi

# in every mode but bench, after verify, when the budget still allows
if [ "$what" != bench ] && [ "$what" != issues ]; then
	large
	sanitize
fi

if [ "$what" != tests ] && [ "$what" != issues ]; then
	step "quench bench (GPU grid and CPU grid)"
	tmo 240 ./quench bench --backend all --sweeps 20 --json "$logs/bench.json" 2>&1 | tee "$logs/quench-bench.txt"
	piped "${PIPESTATUS[0]}" "quench bench"
fi

if [ "$what" != bench ] && [ "$what" != issues ]; then
	step "command tests on a cuda build"
	tmo 120 ./cmd.test -test.timeout 110s >"$logs/cmd-tests.log" 2>&1 || failed
	grep -E "^(--- FAIL|PASS|FAIL|ok )|_test.go" "$logs/cmd-tests.log" | head -40
fi

if [ "$what" = bench ]; then
	step "go benchmarks on the GPU"
	tmo 400 ./gpu.test -test.run XXX -test.bench . -test.benchtime 30x 2>&1 | tee "$logs/gpu-bench.txt" | grep -E "Benchmark|skipped|FAIL|panic"
	piped "${PIPESTATUS[0]}" "the go benchmarks"
fi

step "done"
if ((${#skipped[@]})); then
	echo "left out for want of time (QUENCH_CHECK_BUDGET=$budget):"
	printf '  %s\n' "${skipped[@]}"
fi
if [ $status -ne 0 ]; then
	echo "GPU CHECK FAILED"
elif ((${#skipped[@]})); then
	echo "GPU CHECK INCOMPLETE: all that ran passed; ${#skipped[@]} step(s) left out for want of time"
	status=3
else
	echo "GPU CHECK PASSED"
fi
finish $status
