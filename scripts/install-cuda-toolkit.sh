#!/usr/bin/env bash
# Installs nvcc, the CUDA headers and libcuda to link against, from the
# distribution's packages: Debian (non-free) or Ubuntu (multiverse). Needs
# root. The GPU driver itself is only needed on the machine that runs the
# binaries.
set -euo pipefail
if command -v nvcc >/dev/null && [ -f /usr/include/cuda.h ]; then
	echo "CUDA toolkit already installed: $(nvcc --version | tail -1)"
	exit 0
fi
. /etc/os-release
case "${ID:-}" in
debian)
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed -i 's/^Components: main$/Components: main contrib non-free non-free-firmware/' /etc/apt/sources.list.d/debian.sources
	elif [ -f /etc/apt/sources.list ]; then
		sed -i -E 's/^(deb .* main)$/\1 contrib non-free non-free-firmware/' /etc/apt/sources.list
	fi
	;;
ubuntu)
	apt-get update -qq
	apt-get install -y -qq software-properties-common
	add-apt-repository -y multiverse
	;;
*)
	echo "install-cuda-toolkit.sh: unsupported distribution '${ID:-unknown}'; install the CUDA toolkit (nvcc, cuda.h, libcuda.so) by hand" >&2
	exit 1
	;;
esac
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nvidia-cuda-toolkit nvidia-cuda-dev
echo "installed: $(nvcc --version | tail -1)"
