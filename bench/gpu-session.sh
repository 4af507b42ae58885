#!/usr/bin/env bash
# Runs on a lent GPU machine, in one call, what bench/gpu-prepare.sh staged: for each GPU build
# (wgpu, fusion, vulkan) the captured-step check and kernel launches (`--launches`), then the bench against PyTorch on CUDA
# (whole epochs: host batches, data on the device, captured step; the per-phase profile; eval);
# first, `train` on sgd.toml plainly and with --capture; last, if time is left, adam.toml.
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
  # The captured-step check, then kernel launches and each kernel's own time per step.
  echo "== $feature: launches" | tee -a "$out/$feature.log"
  timeout 40 "$bin" --device "$device" --launches --out "$out/launches-$feature.json" 2>&1 \
    | tee -a "$out/$feature.log"
  echo "== $feature: launches exit ${PIPESTATUS[0]} (124: timed out)" | tee -a "$out/$feature.log"
  echo "== $feature: bench --torch $pairs" | tee -a "$out/$feature.log"
  timeout "$limit" "$bin" --device "$device" --torch "$pairs" --python python3 \
    --out "$out/bench-$feature.json" 2>&1 | tee -a "$out/$feature.log"
  echo "== $feature: bench exit ${PIPESTATUS[0]} (124: timed out)" | tee -a "$out/$feature.log"
}

# `train` on a recipe, plainly then with --capture (the Learner's loop with the step recorded
# and replayed): the epoch seconds are in each run's metrics.csv. The optimiser's update is
# recorded with the step: SGD's for sgd.toml, Adam's for adam.toml (batch 32, 1,688 steps an
# epoch, where the host's launches count most).
train_pair() {
  local config=$1 epochs=$2 bin=gpu-run/train-wgpu
  xz -dkf "$bin.xz" && chmod +x "$bin" || { echo "no $bin.xz" | tee -a "$out/train.log"; return; }
  for mode in plain capture; do
    local flag=()
    [ "$mode" = capture ] && flag=(--capture)
    echo "== train $config $mode" | tee -a "$out/train.log"
    timeout 40 "$bin" --config "configs/$config.toml" --epochs "$epochs" --device wgpu \
      --no-dashboard --run-name "$config-$mode" --artifacts-dir "$out/runs" "${flag[@]}" 2>&1 \
      | tee -a "$out/train.log"
    echo "== train $config $mode exit ${PIPESTATUS[0]} (124: timed out)" | tee -a "$out/train.log"
  done
}

# At most 570 s in all (the device runs a command for 600 s at most); the Adam pair only if
# at least 90 s are left.
train_pair sgd 3
# The wgpu build of `infer` beside the benches of wgpu and fusion (both time it with
# --device wgpu); not beside vulkan's, whose --device vulkan that build lacks.
xz -dkf gpu-run/infer.xz && chmod +x gpu-run/infer
run_build wgpu 5 190
run_build fusion 3 100
rm -f gpu-run/infer
run_build vulkan 3 80
if [ "$SECONDS" -le 480 ]; then
  train_pair adam 1
else
  echo "== no time left for the adam pair ($SECONDS s)" | tee -a "$out/train.log"
fi
