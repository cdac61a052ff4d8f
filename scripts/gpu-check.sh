#!/usr/bin/env bash
# GPU check (benchmarks/gpu-check.ts) on a Linux machine with a GPU, from the repository root:
#   scripts/gpu-check.sh [--rows N]
# With .gpu-bundle/ (made by scripts/gpu-pack.sh) it runs the packed Node and project, so the machine needs no
# Node and no network; without it, the checkout's own build and `node`. It installs the Vulkan loader from the
# bundle when the system lacks one and points VK_DRIVER_FILES at the NVIDIA ICD when unset. Writes
# results/gpu.json (and copies it to $GPU_CHECK_OUT when set); exits non-zero when a check fails or no GPU
# adapter was used. About 2-4 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=.gpu-bundle
NODE=node
APP=$PWD
if [ -f "$BUNDLE/bundle.tar.xz" ]; then
  WORK=$(mktemp -d)
  tar -C "$WORK" -xJf "$BUNDLE/bundle.tar.xz"
  NODE="$WORK/bin/node"
  APP="$WORK/app"
  export AUTO_ENSEMBLE_DATASETS="$APP/datasets"
fi
if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
  for deb in "$BUNDLE"/debs/*.deb; do dpkg -x "$deb" /; done
  ldconfig
fi
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
  done
fi
echo "node $("$NODE" --version), VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
status=0
(cd "$APP" && "$NODE" dist/benchmarks/gpu-check.js "$@") || status=$?
if [ "$APP" != "$PWD" ] && [ -f "$APP/results/gpu.json" ]; then cp "$APP/results/gpu.json" results/gpu.json; fi
if [ -n "${GPU_CHECK_OUT:-}" ] && [ -f results/gpu.json ]; then cp results/gpu.json "$GPU_CHECK_OUT/"; fi
exit "$status"
