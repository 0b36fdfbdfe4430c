#!/usr/bin/env bash
# check-fused.sh: no fused multiply-add where a run's bits are decided.
#
# Go may compute x*y + z with one rounding instead of two (a fused
# multiply-add) on arm64, ppc64le, s390x and riscv64, and on amd64 built
# with GOAMD64=v3; converting the product, float64(x*y), forbids it. A
# fused operation where the host computes a run's constants (the Ising
# thresholds, the Langevin coefficients, the Kuramoto frequencies), its
# state (the CPU backend's kernels) or the measurements quench compare
# reads would make a run on such a machine differ from its twin elsewhere.
# (`make fma` runs the float kernels' tests built so; this check covers
# every function, once.)
#
# This builds quench for linux/arm64, whose disassembly names the fused
# instructions (Go's amd64 disassembler does not decode them), and lists
# every function of the module, and of the command (package main), that
# holds one. Each must match the allowed list below: exact values, error
# bars, notes, images and bounds, numbers that no state and no compared
# measurement depends on. A function found outside it gets its products
# converted, or, where its numbers decide nothing, a place in the list.
# The standard library's Go code, which Go fuses too, is not looked at:
# the state and row paths call none of its functions that multiply and
# add (math.Sqrt, Floor, Min, Max, Abs and Ldexp, which they call, are
# exact or round once). About half a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

allowed='^github\.com/quenchlab/quench/stats\.'
allowed+='|^github\.com/quenchlab/quench\.(IsingExact2D|isingFourier|GaussianField|HarmonicParticles|KuramotoR2|kuramotoR2Repulsive|kuramotoQuad|besselI01Scaled|logI0|logJ0Abs|phi4RingOn|phi4RingGrid|\(\*ringSeries\)|SandpileMeanSize|SandpileW|sandpileModeSums|stationaryPoints|\(\*Phi4Params\)\.Phi4StabilityBound)(\.|\(SB\))'
allowed+='|^github\.com/quenchlab/quench/sim\.(\(\*Config\)\.(gaussianExact|freeSpinsExact|ringExact|transferExact|exactValuesAll|dharSize|Observables|langevinObservables|baoabMap|underdampedModes|conservedModes|conservedRate|slowTail|slowTailModes|tailMissedAt|FieldRelaxSteps|DiffusionSlowest|WellEscapes|validateMass|validateParticles|validatePhi4|pileProfiles)|\(\*State\)\.heightMean|MakeSummary|MassProfile|FieldImage|Histogram|lineImage|coldCycle)(\.|\(SB\))'

# the command's own (package main): what it prints, collect's averages
# and crossings, the progress bar's time left
allowed+='|^main\.(\(\*etaModel\)|averageCorrelation|averageOf|averageProfiles|crossAt|fitCrossing|lineFit|fullTicks|logTicks|gatherSeries|meanErr|printExact|exactVerdict|beyondFour|constantVerdict|printTable|printTauNotes)(\.|\(SB\))'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -o "$tmp/quench" ./cmd/quench
go tool objdump "$tmp/quench" |
	awk '/^TEXT /{f=$2} /\t(FMADD|FMSUB|FNMADD|FNMSUB)[DS] |\tVFML[AS] /{print f, $1}' |
	grep -E '^(github\.com/quenchlab/quench|main\.)' >"$tmp/fused" || true
if [ ! -s "$tmp/fused" ]; then
	# (the module's exact values hold dozens: none found means the
	# disassembly changed its spelling, not that they went)
	echo "check-fused.sh: no fused instruction found anywhere in the module: the check is broken"
	exit 1
fi
bad=$(grep -Ev "$allowed" "$tmp/fused" | sort -u || true)
if [ -n "$bad" ]; then
	echo "check-fused.sh: fused multiply-adds in functions that may decide a run's bits (function, line):"
	echo "$bad"
	echo "convert the products (float64(x*y)), or add the function to the allowed list in scripts/check-fused.sh if its numbers decide nothing"
	exit 1
fi
echo "no fused multiply-add outside the $(cut -d' ' -f1 "$tmp/fused" | sort -u | wc -l) allowed functions (exact values, error bars, notes, images, bounds)"
