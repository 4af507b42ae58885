#!/usr/bin/env bash
# Runs on a lent GPU machine, in one call, what bench/gpu-prepare.sh staged: for each GPU build
# (wgpu, fusion, vulkan) the captured-step check, then the bench against PyTorch on CUDA
# (whole epochs: host batches, data on the device, captured step; the per-phase profile; eval).
# Each run has its own time limit so that the call ends inside the device's 10 minutes; logs
# and bench JSON go to $OUT (or ./gpu-out).
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-gpu-out}"
mkdir -p "$out"

for deb in .gl/*.deb; do
  [ -f "$deb" ] && dpkg -x "$deb" /
done
ldconfig
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"

# name, PyTorch pairs, seconds allowed
run_build() {
  local feature=$1 pairs=$2 limit=$3 bin
  bin="gpu-run/bench-$feature"
  xz -dkf "$bin.xz" && chmod +x "$bin" || { echo "no $bin.xz" | tee -a "$out/$feature.log"; return; }
  local device=wgpu
  [ "$feature" = vulkan ] && device=vulkan
  echo "== $feature: captured-step check" | tee -a "$out/$feature.log"
  timeout 40 "$bin" --device "$device" --check-capture 2>&1 | tee -a "$out/$feature.log"
  echo "== $feature: check exit ${PIPESTATUS[0]} (124: timed out)" | tee -a "$out/$feature.log"
  echo "== $feature: bench --torch $pairs" | tee -a "$out/$feature.log"
  timeout "$limit" "$bin" --device "$device" --torch "$pairs" --python python3 \
    --out "$out/bench-$feature.json" 2>&1 | tee -a "$out/$feature.log"
  echo "== $feature: bench exit ${PIPESTATUS[0]} (124: timed out)" | tee -a "$out/$feature.log"
}

# At most 570 s in all (the device runs a command for 600 s at most).
run_build wgpu 5 240
run_build fusion 3 120
run_build vulkan 3 90
