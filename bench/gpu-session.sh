#!/usr/bin/env bash
# Runs on a GPU machine without Rust what bench/gpu-prepare.sh staged, in two parts (each needs
# only its own builds copied, beside data/ and .gl/):
#   part 1: `train` on sgd.toml plainly and with --capture; the wgpu build's captured-step check
#           and kernel launches (`--launches`), then its bench against PyTorch on CUDA (whole
#           epochs: host batches, data on the device, captured step; the per-phase profile;
#           eval; `infer` processes); last, if time is left, `train` on adam.toml both ways.
#   part 2: the same bench with the fusion and the vulkan builds.
# The commands and their files (gpu-prepare.sh prints them with their sizes):
#   bash bench/gpu-session.sh 1   files: gpu-run/bench-wgpu.xz gpu-run/train-wgpu.xz gpu-run/infer.xz gpu-run/built-from.txt data .gl
#   bash bench/gpu-session.sh 2   files: gpu-run/bench-fusion.xz gpu-run/bench-vulkan.xz gpu-run/infer.xz gpu-run/built-from.txt data .gl
# Each run has its own time limit, so that a part ends within about 330 s (GPU_PART_SECONDS);
# logs and bench JSON go to $OUT (or ./gpu-out), `train`'s run folders to /tmp (their epoch
# lines are in train.log), so that only a few files need copying back.
set -uo pipefail
cd "$(dirname "$0")/.."
part="${1:-}"
if [ "$part" != 1 ] && [ "$part" != 2 ]; then
  echo "usage: bash bench/gpu-session.sh 1|2 (see the top of this file)" >&2
  exit 2
fi
out="${OUT:-gpu-out}"
mkdir -p "$out"
runs=$(mktemp -d /tmp/gpu-runs.XXXXXX)

for deb in .gl/*.deb; do
  [ -f "$deb" ] && dpkg -x "$deb" /
done
ldconfig
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
# Which commit the staged builds are of (gpu-prepare.sh wrote it), beside the figures.
echo "builds of commit $(cat gpu-run/built-from.txt 2>/dev/null || echo '(unknown: no gpu-run/built-from.txt)')" \
  | tee -a "$out/gpu.txt"

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
      --no-dashboard --run-name "$config-$mode" --artifacts-dir "$runs" "${flag[@]}" 2>&1 \
      | tee -a "$out/train.log"
    echo "== train $config $mode exit ${PIPESTATUS[0]} (124: timed out)" | tee -a "$out/train.log"
  done
}

case "$part" in
  1)
    train_pair sgd 3
    # The wgpu build of `infer` beside the bench (it times it with --device wgpu).
    xz -dkf gpu-run/infer.xz && chmod +x gpu-run/infer
    run_build wgpu 5 150
    # The same bench with 256 launches per GPU submission instead of cubecl's 32
    # (wgpu_runtime.rs): each against PyTorch, so the two ratios compare.
    left=$((${GPU_PART_SECONDS:-330} - 80 - SECONDS))
    if [ "$left" -ge 60 ]; then
      echo "== wgpu: bench --torch 3 with CUBECL_WGPU_MAX_TASKS=256" | tee -a "$out/wgpu.log"
      CUBECL_WGPU_MAX_TASKS=256 timeout "$left" gpu-run/bench-wgpu --device wgpu --torch 3 \
        --python python3 --infer-runs 3 --out "$out/bench-wgpu-tasks256.json" 2>&1 | tee -a "$out/wgpu.log"
      echo "== wgpu: tasks 256 bench exit ${PIPESTATUS[0]} (124: timed out)" | tee -a "$out/wgpu.log"
    else
      echo "== no time left for the 256-launch bench ($SECONDS s)" | tee -a "$out/wgpu.log"
    fi
    if [ "$SECONDS" -le 250 ]; then
      train_pair adam 1
    else
      echo "== no time left for the adam pair ($SECONDS s)" | tee -a "$out/train.log"
    fi
    ;;
  2)
    xz -dkf gpu-run/infer.xz && chmod +x gpu-run/infer
    run_build fusion 3 100
    # Not beside vulkan's bench, whose --device vulkan that `infer` build lacks.
    rm -f gpu-run/infer
    run_build vulkan 3 80
    ;;
esac
