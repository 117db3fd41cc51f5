#!/usr/bin/env bash
# The speed table of the README, on a GPU machine in one go: `pinn bench speed` (wgpu; flex on
# 1–16 cores) beside the JAX and PyTorch peers of benches/peers/, and the dense Gauss–Newton
# step on wgpu (f32) and flex (f64). Everything lands in OUT_DIR/all.jsonl (one JSON line per
# measurement) and OUT_DIR/log.txt.
#
#   benches/speed_on_gpu.sh PATH/TO/pinn OUT_DIR
#
# The binary is a release build with `--features wgpu` (no Rust needed on the GPU machine).
set -u
pinn=$1
out=$2
work=$(mktemp -d)
mkdir -p "$out"
log="$out/log.txt"
exec > >(tee -a "$log") 2>&1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
nproc
points=4096,16384,65536,262144
python3 benches/peers/jax_step.py --points $points --steps 20 >"$work/jax.jsonl"
python3 benches/peers/torch_step.py --points $points --steps 20 --device cuda >"$work/torch_cuda.jsonl"
python3 benches/peers/torch_step.py --points 4096 --steps 20 --device cpu >"$work/torch_cpu.jsonl"
"$pinn" bench speed --backends wgpu --points $points --steps 20 --out "$work/wgpu"
"$pinn" bench speed --backends wgpu --points $points --steps 10 --row-chunk 0 --out "$work/wgpu_unchunked"
"$pinn" bench speed --backends flex --points 4096 --threads 1,2,4,8,16 --steps 20 --out "$work/flex"
"$pinn" bench speed --backends flex --points 16384,65536,262144 --threads 16 --steps 10 \
  --out "$work/flex_large"
# Second order: 20 dense Gauss–Newton steps of the multiscale accuracy problem.
for run in "wgpu f32" "flex f64"; do
  set -- $run
  "$pinn" train configs/accuracy/poisson2d_multiscale.toml --backend "$1" --dtype "$2" \
    --steps 20 --quiet --out "$work/gn_$1" && cat "$work/gn_$1/summary.json" | tr -d '\n ' \
    >>"$work/gn.jsonl" && echo >>"$work/gn.jsonl"
done
cat "$work"/*.jsonl "$work"/*/speed.jsonl >"$out/all.jsonl"
