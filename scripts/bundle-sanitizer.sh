#!/usr/bin/env bash
# bundle-sanitizer.sh DIR: copies NVIDIA's compute-sanitizer (the binary,
# its launcher helpers and injection libraries) into DIR so that it runs
# from there on a GPU server without a CUDA toolkit (gpu-check.sh runs its
# memcheck when the bundle has it). Finds the toolkit's layout
# (compute-sanitizer/ holding everything) or Debian's (the binaries in
# /usr/bin, the libraries in /usr/lib/nvidia-cuda-toolkit). Exits 1, with
# one line, when there is none: the bundle works without it.
set -euo pipefail
dest=${1:?usage: bundle-sanitizer.sh DIR}
bin=$(command -v compute-sanitizer || true)
if [ -z "$bin" ]; then
	echo "no compute-sanitizer on PATH: the bundle is made without it"
	exit 1
fi
bin=$(readlink -f "$bin")
src=$(dirname "$bin")
libs=$src
if [ ! -f "$libs/libsanitizer-collection.so" ]; then
	libs=/usr/lib/nvidia-cuda-toolkit/compute-sanitizer
fi
if [ ! -f "$libs/libsanitizer-collection.so" ]; then
	echo "compute-sanitizer at $bin has no libsanitizer-collection.so beside it or in $libs: the bundle is made without it"
	exit 1
fi
rm -rf "$dest"
mkdir -p "$dest"
cp "$bin" "$libs"/*.so "$dest/"
# the launcher helpers it starts from its own directory
for f in "$src"/TreeLauncher*; do
	[ -e "$f" ] && cp "$f" "$dest/"
done
"$dest/compute-sanitizer" --version | tail -1
