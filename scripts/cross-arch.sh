#!/usr/bin/env bash
# cross-arch.sh: the same runs on linux/amd64 and on linux/arm64 (under
# qemu-user), compared bit for bit with quench compare. Go fuses
# multiply-adds on arm64 and not on amd64, and the math package's
# assembly differs between them (math.Exp), so this checks what
# scripts/check-fused.sh checks statically, end to end: every model's
# states and measurements must be identical; a mass model's profiles'
# C(r), which go through gonum's FFT, may differ in their last bits,
# which compare says ("only the profiles' C(r) differ").
#
# Needs qemu-aarch64-static (Debian's qemu-user-static) and an amd64 host;
# about a minute.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
if [ -z "$qemu" ] || [ "$(uname -m)" != x86_64 ]; then
	echo "cross-arch.sh: needs an x86-64 host and qemu-aarch64-static (apt-get install qemu-user-static)"
	exit 2
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/amd" ./cmd/quench || exit 1
GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -o "$dir/arm" ./cmd/quench || exit 1
status=0
pair() {
	local name=$1
	shift
	if ! "$dir/amd" run "$@" --quiet --out "$dir/$name-amd" >/dev/null 2>"$dir/err" ||
		! "$qemu" "$dir/arm" run "$@" --quiet --out "$dir/$name-arm" >/dev/null 2>"$dir/err"; then
		echo "$name: a run failed: $(tail -1 "$dir/err")"
		status=1
		return
	fi
	local out
	out=$("$dir/amd" compare "$dir/$name-amd" "$dir/$name-arm" 2>&1)
	local verdict
	verdict=$(grep -E "^(identical|differ)" <<<"$out" | head -1)
	if [[ $verdict == identical:* ]] || grep -q "only the profiles' C(r) differ" <<<"$out"; then
		echo "$name: ${verdict:0:150}"
		grep "only the profiles' C(r) differ" <<<"$out" | cut -c1-80
	else
		echo "$name: DIFFERS between amd64 and arm64: $verdict"
		status=1
	fi
}
pair ising2d --L 16 --J 0.3 --h 0.1 --T 1.1 --algo heatbath --sweeps 200 --therm 10
pair ising3d --model ising3d --L 8 --J -0.7 --h 0.37 --T 2.3 --sweeps 100 --therm 10
pair phi4-em32 --model phi4 --dim 3 --L 8 --scheme em --precision float32 --steps 200 --therm 10
pair phi4-lm --model phi4 --dim 1 --L 64 --scheme lm --lambda 0.5 --h 0.2 --steps 300 --therm 10
pair phi4-baoab --model phi4 --scheme baoab --L 16 --steps 300 --therm 10 --gamma 0.7 --dt 0.03
pair phi4-modelb --model phi4 --dim 2 --L 16 --scheme modelb --dt 0.005 --steps 200 --therm 10
pair harmonic --model particles --N 1000 --d 3 --k 1.3 --scheme lm --steps 200 --therm 10
pair doublewell --model particles --potential doublewell --N 2000 --d 2 --scheme baoab --gamma 0.3 --dt 0.02 --steps 200 --therm 10
pair kuramoto --model particles --potential kuramoto --N 2000 --k 1.7 --omega 0.3 --omega-spread 0.45 --scheme lm --steps 200 --therm 10
pair sandpile --model sandpile --L 16 --grains 2000 --therm-grains 100
pair kmp --model kmp --dim 2 --L 16 --steps 200 --therm 10
pair aggregation --model aggregation --dim 1 --L 64 --steps 200 --therm 10
pair transfer --model transfer --dim 1 --L 64 --fraction 0.3 --steps 200 --therm 10
pair diffusion --model diffusion --L 32 --precision float32 --steps 100 --therm 0
if [ $status = 0 ]; then
	echo "CROSS-ARCH PASSED: amd64 and arm64 runs identical (a mass model's C(r) excepted)"
else
	echo "CROSS-ARCH FAILED"
fi
exit $status
