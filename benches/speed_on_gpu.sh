#!/usr/bin/env bash
# The GPU measurements of the README in one go, on a machine with no Rust: `pinn bench speed`
# on wgpu and CUDA, burn's fusion on and off, beside the JAX and PyTorch peers of
# benches/peers/, flex on 1–16 cores, the kernels a step launches, each GPU backend against
# flex, whether CUDA's f64 is f64, and the dense Gauss–Newton step.
#
#   benches/speed_on_gpu.sh OUT_DIR PINN [PLAIN_PINN] [PART ...]
#
# PINN is a release build with `--features wgpu,cuda,fusion`, PLAIN_PINN (optional, `-` for
# none) one with `--features wgpu,cuda`: burn's fusion measured on and off (a build without
# `cuda` answers the cuda rows with an error line). PARTs (default all):
# info gpu cuda peers check kernels cpu gn acc. With OLD_PINN set in the environment (a build from
# before Gauss–Newton assembled A on the device), the gn part runs it too. Every measurement is one JSON line in OUT_DIR/all.jsonl,
# tagged with what ran it; the output of every command goes to OUT_DIR/log.txt. Each command
# has its own time limit, so that one that hangs costs only its own line.
set -u
out=$(realpath -m "$1")
pinn=$(realpath "$2")
plain=${3:--}
[ "$plain" != - ] && plain=$(realpath "$plain")
shift $(($# < 3 ? $# : 3))
parts=${*:-info gpu cuda peers check kernels cpu gn acc}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1
# CUDA's runtime compiler, NVRTC, is loaded at run time: from the system's libraries, else from
# the CUDA toolkit or the pip package beside PyTorch.
if ! ldconfig -p | grep -q libnvrtc; then
  nvrtc=$(find /usr/local/cuda*/ /usr/lib /opt "$(python3 -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null)" \
    -name 'libnvrtc.so*' 2>/dev/null | head -1)
  [ -n "$nvrtc" ] && export LD_LIBRARY_PATH="$(dirname "$nvrtc")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "NVRTC: ${nvrtc:-not found}"
fi
points=4096,16384,65536,262144

# `tagged TAG < JSON lines`: append them to all.jsonl with "tag": TAG.
tagged() {
  python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        row = json.loads(line); row["tag"] = sys.argv[1]; print(json.dumps(row))
' "$1" >>"$out/all.jsonl"
}

# `speed TAG SECONDS BIN ARGS…`: `BIN bench speed ARGS` with its rows tagged.
speed() {
  local tag=$1 limit=$2 bin=$3
  shift 3
  echo "== $tag: bench speed $*"
  rm -rf "$work/$tag"
  timeout "$limit" "$bin" bench speed "$@" --out "$work/$tag"
  echo "   exit $?"
  [ -f "$work/$tag/speed.jsonl" ] && tagged "$tag" <"$work/$tag/speed.jsonl"
}

# `train TAG SECONDS BIN ARGS…`: `BIN train ARGS`, its summary tagged.
train() {
  local tag=$1 limit=$2 bin=$3
  shift 3
  echo "== $tag: train $*"
  rm -rf "$work/$tag"
  timeout "$limit" "$bin" train "$@" --quiet --out "$work/$tag"
  echo "   exit $?"
  [ -f "$work/$tag/summary.json" ] && tr -d '\n' <"$work/$tag/summary.json" | tagged "$tag"
}

# `kernels TAG BACKEND BIN [ARGS…]`: the kernels of one Adam step at 4 096 points, from CubeCL's
# profiling log (every kernel timed alone, so the durations are upper bounds): two runs of 10 and
# 30 timed steps, the difference over 20 steps (autotuning, which runs a varying number of
# candidate kernels in the first steps, can still leak into it: see "ComputeDirectThroughput").
kernels() {
  local tag=$1 backend=$2 bin=$3 dir="$work/$1"
  shift 3
  mkdir -p "$dir"
  for steps in 10 30; do
    printf '[profiling.logger]\nlevel = "basic"\nfile = "%s/%s.log"\n' "$dir" "$steps" \
      >"$dir/cubecl.toml"
    (cd "$dir" && timeout 120 "$bin" bench speed --one --backends "$backend" --points 4096 \
      --steps "$steps" "$@" >/dev/null)
  done
  python3 - "$dir" "$tag" <<'EOF' | tagged "$tag"
import collections, json, re, sys
dir, tag = sys.argv[1], sys.argv[2]
unit = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}
def read(steps):
    count, ms = collections.Counter(), collections.Counter()
    for line in open(f"{dir}/{steps}.log", errors="replace"):
        m = re.match(r"\|\s*([0-9.]+)(ns|µs|us|ms|s)\s*\|\s*(.*)", line)
        if m:
            name = re.sub(r"<.*", "", m.group(3).strip())[:80]
            count[name] += 1
            ms[name] += float(m.group(1)) * unit[m.group(2)]
    return count, ms
(c1, t1), (c2, t2) = read(10), read(30)
per = {n: (c2[n] - c1[n]) / 20 for n in c2}
top = sorted(per, key=lambda n: -(t2[n] - t1[n]))[:25]
print(json.dumps({
    "kind": "kernels", "interior": 4096,
    "kernels_per_step": sum(per.values()),
    "kernel_ms_per_step": (sum(t2.values()) - sum(t1.values())) / 20,
    "top": [{"name": n, "per_step": per[n], "ms_per_step": (t2[n] - t1[n]) / 20} for n in top],
}))
EOF
}

# `gpu_steps BACKEND`: the step at every size, burn's fusion on and off, each with our fused
# tanh-layer kernel (`--fused`) and without.
gpu_steps() {
  speed "$1_fused" 200 "$pinn" --backends "$1" --points $points --steps 10
  speed "$1_fused_kernel" 200 "$pinn" --backends "$1" --points $points --steps 10 --fused
  if [ "$plain" != - ]; then
    speed "$1_plain" 150 "$plain" --backends "$1" --points $points --steps 10
    speed "$1_plain_kernel" 150 "$plain" --backends "$1" --points $points --steps 10 --fused
  fi
}

for part in $parts; do
  case $part in
  info)
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    nproc
    lscpu | grep -E "^(Model name|Thread|Core|Socket|CPU\(s\))"
    # Each backend's f64 (elementary functions and a product against the host's); the cuda
    # row decides whether `--dtype f64` is accepted there.
    timeout 120 "$pinn" bench precision | tagged precision
    ;;
  gpu)
    gpu_steps wgpu
    ;;
  cuda)
    # burn's CUDA backend, kernels compiled by NVRTC: the step as for wgpu, 200 steps against
    # flex (the check part's adam_flex), Gauss–Newton in f32 and f64.
    gpu_steps cuda
    train adam_cuda 90 "$pinn" "$repo/configs/poisson2d_adam_lbfgs.toml" --backend cuda \
      --steps 200
    for dtype in f32 f64; do
      train "gn_cuda_$dtype" 150 "$pinn" "$repo/configs/accuracy/poisson2d_multiscale.toml" \
        --backend cuda --dtype $dtype --steps 20
    done
    ;;
  peers)
    echo "== jax"
    timeout 150 python3 "$repo/benches/peers/jax_step.py" --points $points --steps 20 | tagged jax
    echo "== torch cuda"
    timeout 120 python3 "$repo/benches/peers/torch_step.py" --points $points --steps 20 \
      --device cuda | tagged torch_cuda
    echo "== torch cpu"
    timeout 60 python3 "$repo/benches/peers/torch_step.py" --points 4096 --steps 20 \
      --device cpu | tagged torch_cpu
    ;;
  check)
    # The same 200 steps (Adam, then L-BFGS; f32) on each backend, fusion on and off.
    for b in flex wgpu; do
      train "adam_$b" 90 "$pinn" "$repo/configs/poisson2d_adam_lbfgs.toml" --backend $b \
        --steps 200
    done
    train adam_wgpu_kernel 90 "$pinn" "$repo/configs/poisson2d_adam_lbfgs.toml" --backend wgpu \
      --steps 200 --fused
    if [ "$plain" != - ]; then
      train adam_wgpu_plain 90 "$plain" "$repo/configs/poisson2d_adam_lbfgs.toml" \
        --backend wgpu --steps 200
    fi
    ;;
  kernels)
    kernels kernels_wgpu_fused wgpu "$pinn"
    if [ "$plain" != - ]; then
      kernels kernels_wgpu_plain wgpu "$plain"
      kernels kernels_wgpu_plain_kernel wgpu "$plain" --fused
    fi
    speed profile_wgpu_fused 120 "$pinn" --backends wgpu --points 4096,65536 --steps 5 --profile
    ;;
  cpu)
    speed flex_threads 150 "$pinn" --backends flex --points 4096 --threads 1,2,4,8,12,16 \
      --steps 20
    # The fused tanh layer on the CPU, in shards of 256 points.
    speed flex_fused_threads 150 "$pinn" --backends flex --points 4096,16384 \
      --threads 1,2,4,8,16 --steps 20 --fused
    speed flex_points 90 "$pinn" --backends flex --points 256,1024 --threads 1,16 --steps 20
    # The forward pass alone records no autodiff graph: does it scale where the step does not?
    speed flex_profile 150 "$pinn" --backends flex --points 4096 --threads 1,4,8,16 --steps 10 \
      --profile
    ;;
  gn)
    # 20 dense Gauss–Newton steps of the multiscale accuracy problem.
    for run in "wgpu f32" "flex f64"; do
      set -- $run
      train "gn_$1_$2" 150 "$pinn" "$repo/configs/accuracy/poisson2d_multiscale.toml" \
        --backend "$1" --dtype "$2" --steps 20
    done
    if [ -n "${OLD_PINN:-}" ]; then
      train gn_wgpu_f32_host_assembly 150 "$(realpath "$OLD_PINN")" \
        "$repo/configs/accuracy/poisson2d_multiscale.toml" --backend wgpu --dtype f32 --steps 20
    fi
    ;;
  acc)
    # The accuracy problem poisson2d, 200 Gauss–Newton steps with f32 Jacobians.
    train acc_wgpu_f32 180 "$pinn" "$repo/configs/accuracy/poisson2d.toml" --backend wgpu \
      --dtype f32 --steps 200
    ;;
  esac
done
rm -rf "$work"
