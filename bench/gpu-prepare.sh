#!/usr/bin/env bash
# Stages, on a machine with Rust, what one call of a lent GPU machine needs to measure the GPU
# figures (issue 15): the bench built with each GPU feature (wgpu, fusion, vulkan) and `train`
# with wgpu (stripped and compressed, since a call carries at most 64 MiB), MNIST, and the
# Vulkan loader's packages.
# Then run bench/gpu-session.sh there, carrying gpu-run, data and .gl (all ignored by git):
#   command: bash bench/gpu-session.sh     carry: ["gpu-run", "data", ".gl"]
# The GPU machine has PyTorch with CUDA but no Rust and no network, hence this step.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/burn-mnist/target}"

stage=gpu-run
rm -rf "$stage"
mkdir -p "$stage"
for feature in wgpu fusion vulkan; do
  echo "building the bench with $feature"
  cargo build --quiet --package mnist-bench --features "mnist-bench/$feature" --bin bench
  cp "$CARGO_TARGET_DIR/debug/bench" "$stage/bench-$feature"
  strip "$stage/bench-$feature"
  xz -T0 -6 "$stage/bench-$feature"
done
# `train` (wgpu build) to time `train --capture` against plain `train`.
cargo build --quiet --package mnist-train --features mnist-train/wgpu --bin train
cp "$CARGO_TARGET_DIR/debug/train" "$stage/train-wgpu"
strip "$stage/train-wgpu"
xz -T0 -6 "$stage/train-wgpu"

# `infer` (wgpu build) beside the bench, which times whole `infer` processes on the CPU (its
# default) and with `--device wgpu`.
cargo build --quiet --package infer --features infer/wgpu --bin infer
cp "$CARGO_TARGET_DIR/debug/infer" "$stage/infer"
strip "$stage/infer"
xz -T0 -6 "$stage/infer"

# The bench looks for data/mnist in the checkout first.
if [ ! -f data/mnist/train-images-idx3-ubyte.gz ]; then
  mkdir -p data/mnist
  cp ../shared/data/mnist/*.gz data/mnist/
fi

# The Vulkan loader (the GPU machine's image has the NVIDIA driver but may lack the loader).
if [ ! -d .gl ] || ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p .gl /tmp/amd64/partial
  apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${apt_opts[@]}" update -qq
  (cd .gl && apt-get "${apt_opts[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

du -ch "$stage" data/mnist .gl | tail -1
echo "staged; on the GPU machine: bash bench/gpu-session.sh (carry gpu-run, data, .gl)"
