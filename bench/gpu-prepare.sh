#!/usr/bin/env bash
# Stages, on a machine with Rust, what a GPU machine without Rust needs to measure the GPU
# figures: the bench built with each GPU feature (wgpu, fusion, vulkan), `train` and `infer`
# with wgpu (stripped and compressed), MNIST, and the Vulkan loader's packages, all in folders
# git ignores (gpu-run/, data/, .gl/).
# Then run bench/gpu-session.sh on the GPU machine in two parts (1 and 2, each needing only its
# own builds beside data and .gl; see gpu-session.sh). Where what can be copied to that machine
# at once is limited, GPU_COPY_LIMIT_MIB (default 64) is that limit with the checkout, and this
# script checks that each part fits.
# The GPU machine needs PyTorch with CUDA, and neither Rust nor a network.
# Each feature is its own Burn build: about an hour on a 2-core machine from an empty target
# directory, minutes once built.
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
  xz -T0 -9e "$stage/bench-$feature"
done
# `train` (wgpu build) to time `train --capture` against plain `train`.
cargo build --quiet --package mnist-train --features mnist-train/wgpu --bin train
cp "$CARGO_TARGET_DIR/debug/train" "$stage/train-wgpu"
strip "$stage/train-wgpu"
xz -T0 -9e "$stage/train-wgpu"

# `infer` (wgpu build) beside the bench, which times whole `infer` processes on the CPU (its
# default) and with `--device wgpu`.
cargo build --quiet --package infer --features infer/wgpu --bin infer
cp "$CARGO_TARGET_DIR/debug/infer" "$stage/infer"
strip "$stage/infer"
xz -T0 -9e "$stage/infer"

# The commit the builds are of (`-dirty`: with changes not committed), which the session prints
# beside its figures.
git describe --always --dirty --abbrev=12 >"$stage/built-from.txt"

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

# What each part needs copied, with the checkout's tracked files, against the copy limit.
limit_mib="${GPU_COPY_LIMIT_MIB:-64}"
limit=$((limit_mib * 1024 * 1024))
tracked=$(git ls-files -z | xargs -0 stat -c %s | awk '{ s += $1 } END { print s }')
part1=("$stage/bench-wgpu.xz" "$stage/train-wgpu.xz" "$stage/infer.xz" "$stage/built-from.txt" data .gl)
part2=("$stage/bench-fusion.xz" "$stage/bench-vulkan.xz" "$stage/infer.xz" "$stage/built-from.txt" data .gl)
fits=true
for part in 1 2; do
  declare -n paths="part$part"
  size=$(( tracked + $(du -sbc "${paths[@]}" | tail -1 | cut -f1) ))
  carry=$(printf '"%s", ' "${paths[@]}")
  echo "part $part: $((size / 1024 / 1024)) MiB of $limit_mib: command: bash bench/gpu-session.sh $part   files: [${carry%, }]"
  [ "$size" -le "$limit" ] || { echo "part $part needs more than $limit_mib MiB copied" >&2; fits=false; }
done
$fits || exit 1
echo "staged (builds of $(cat "$stage/built-from.txt")); on the GPU machine, the two parts above"
