#!/usr/bin/env bash
# The GPU measurements of the README in one go, on a machine with no Rust: `pinn bench speed`
# on CUDA and wgpu, burn's fusion on and off, beside the JAX and PyTorch peers of
# benches/peers/, flex on 1–16 cores, the kernels a step launches, each GPU backend against
# flex, whether CUDA's f64 is f64, and the dense Gauss–Newton step.
#
#   BUDGET_S=SECONDS benches/speed_on_gpu.sh OUT_DIR PINN [PLAIN_PINN] [PART ...]
#
# PINN is a release build with `--features wgpu,cuda,fusion[,persistence]`, PLAIN_PINN
# (optional, `-` for none) one with `--features wgpu,cuda`: burn's fusion measured on and off.
# PARTs run in the order given; the default is the order of priority for a short lease:
#   info peers cuda wgpu cpu gn host cuda_plain wgpu_plain kernels check acc
# Every measurement is one JSON line in OUT_DIR/all.jsonl, tagged with what ran it; the output
# of every command goes to OUT_DIR/log.txt. Each command has its own time limit, so that one
# that hangs costs only its own line; with BUDGET_S, the limits are cut so that the whole
# script ends within that many seconds, and what no longer fits is skipped with a
# `{"kind": "skipped"}` line (rerun with the skipped PARTs to finish).
set -u
out=$(realpath -m "$1")
pinn=$(realpath "$2")
plain=${3:--}
[ "$plain" != - ] && plain=$(realpath "$plain")
shift $(($# < 3 ? $# : 3))
parts=${*:-info peers cuda wgpu cpu gn host cuda_plain wgpu_plain kernels check acc}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
budget=${BUDGET_S:-0}
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1
# A build with `--features persistence` keeps CubeCL's autotune results on disk, under the user
# cache outside a Cargo workspace: every command runs in $work, with the cache in it, so that a
# run of this script starts cold and its later commands find what its earlier ones tuned.
export XDG_CACHE_HOME="$work/cache"
cd "$work" || exit 1
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

# `limited TAG SECONDS COMMAND…`: COMMAND under `timeout`, its limit cut to what BUDGET_S leaves
# (10 s kept for the end); skipped, with a line saying so, when under 20 s are left.
limited() {
  local tag=$1 limit=$2
  shift 2
  if [ "$budget" != 0 ]; then
    local left=$((budget - SECONDS - 10))
    if ((left < 20)); then
      echo "== $tag: skipped, ${left} s of the budget left" >&2
      echo '{"kind": "skipped"}' | tagged "$tag"
      return 124
    fi
    ((limit > left)) && limit=$left
  fi
  local t0=$SECONDS
  timeout "$limit" "$@"
  local rc=$?
  ((rc == 124)) && echo "{\"kind\": \"timed_out\", \"limit_s\": $limit}" | tagged "$tag"
  echo "   $tag: exit $rc after $((SECONDS - t0)) s (limit $limit s; $SECONDS s since the start)" >&2
  return $rc
}

# `sampled TAG SECONDS BIN ARGS…`: `BIN bench speed --one ARGS`, its threads sampled from /proc
# while it runs (benches/proc_sample.py: user and system time per thread, context switches,
# page faults, TLB shootdowns), for a machine without perf.
sampled() {
  local tag=$1 limit=$2 bin=$3
  shift 3
  echo "== $tag: bench speed --one $* (threads sampled)"
  limited "$tag" "$limit" python3 "$repo/benches/proc_sample.py" "${PROC_SAMPLE_WARM_S:-2}" \
    "$bin" bench speed --one "$@" |
    tagged "$tag"
}

# `speed TAG SECONDS BIN ARGS…`: `BIN bench speed ARGS` with its rows tagged.
speed() {
  local tag=$1 limit=$2 bin=$3
  shift 3
  echo "== $tag: bench speed $*"
  rm -rf "$work/$tag"
  limited "$tag" "$limit" "$bin" bench speed "$@" --out "$work/$tag"
  [ -f "$work/$tag/speed.jsonl" ] && tagged "$tag" <"$work/$tag/speed.jsonl"
}

# `train TAG SECONDS BIN ARGS…`: `BIN train ARGS`, its summary tagged.
train() {
  local tag=$1 limit=$2 bin=$3
  shift 3
  echo "== $tag: train $*"
  rm -rf "$work/$tag"
  limited "$tag" "$limit" "$bin" train "$@" --quiet --out "$work/$tag"
  [ -f "$work/$tag/summary.json" ] && tr -d '\n' <"$work/$tag/summary.json" | tagged "$tag"
}

# `kernels TAG BACKEND BIN [ARGS…]`: the kernels of one Adam step at 4 096 points, from CubeCL's
# profiling log (every kernel timed alone, so the durations are upper bounds): two runs of 10 and
# 30 timed steps, the difference over 20 steps. Autotuning runs a varying number of candidate
# kernels in the first steps; a build with `--features persistence` tunes in a first run of 3
# steps, not logged, and the two counted runs find its results on disk. Without it the tuning
# can still leak into the difference (see "ComputeDirectThroughput").
kernels() {
  local tag=$1 backend=$2 bin=$3 dir="$work/$1"
  shift 3
  mkdir -p "$dir"
  echo "== $tag: kernels of a step on $backend $*"
  (cd "$dir" && limited "$tag" 120 "$bin" bench speed --one --backends "$backend" \
    --points 4096 --steps 3 "$@" >/dev/null) || return
  for steps in 10 30; do
    printf '[profiling.logger]\nlevel = "basic"\nfile = "%s/%s.log"\n' "$dir" "$steps" \
      >"$dir/cubecl.toml"
    (cd "$dir" && limited "$tag" 120 "$bin" bench speed --one --backends "$backend" \
      --points 4096 --steps "$steps" "$@" >/dev/null) || return
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

# `processes TAG P ARGS…`: P one-threaded `bench speed --one ARGS` processes at the same time,
# each row tagged with P: whether the cores scale when the processes share nothing (no
# autodiff graph, no allocator, no pool).
processes() {
  local tag=$1 p=$2 i pids=()
  shift 2
  echo "== $tag: $p processes of bench speed --one $*"
  for i in $(seq "$p"); do
    limited "$tag" 60 "$pinn" bench speed --one --threads 1 "$@" >"$work/$tag.$i" &
    pids+=($!)
  done
  # Their pids: a plain `wait` would wait for the log's `tee` too.
  wait "${pids[@]}"
  cat "$work/$tag".* | python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("{"):
        row = json.loads(line); row["processes"] = int(sys.argv[1]); print(json.dumps(row))
' "$p" | tagged "$tag"
}

# `gpu_steps TAG BACKEND BIN SECONDS`: the step at every size, with our fused tanh-layer kernel
# (`--fused`) and without.
gpu_steps() {
  speed "$1" "$4" "$3" --backends "$2" --points $points --steps 10
  speed "$1_kernel" "$4" "$3" --backends "$2" --points $points --steps 10 --fused
}

# `gauss_newton TAG BACKEND DTYPE BIN`: dense Gauss–Newton steps of the multiscale accuracy
# problem: one step (what compiling and tuning the kernels costs comes with it; CubeCL's
# autotune and compilation logs summarised by benches/tuning_log.py in a TAG_tuning line) and 20,
# in a CubeCL environment of their own: the first starts cold, the second (with `--features
# persistence`) finds its tuning on disk.
gauss_newton() {
  local logs="$work/$1_logs"
  local -x CUBECL_ENVIRONMENT=$1
  mkdir -p "$logs"
  printf '[autotune.logger]\nlevel = "minimal"\nfile = "%s/autotune.log"\n[compilation.logger]\nlevel = "basic"\nfile = "%s/compile.log"\n' \
    "$logs" "$logs" >"$logs/cubecl.toml"
  (cd "$logs" && train "$1_1" 150 "$4" "$multiscale" --backend "$2" --dtype "$3" --steps 1)
  python3 "$repo/benches/tuning_log.py" "$logs" | tagged "$1_tuning"
  train "$1_20" 150 "$4" "$multiscale" --backend "$2" --dtype "$3" --steps 20
}

multiscale="$repo/configs/accuracy/poisson2d_multiscale.toml"
adam_lbfgs="$repo/configs/poisson2d_adam_lbfgs.toml"
for part in $parts; do
  case $part in
  info)
    "$pinn" --version
    [ "$plain" != - ] && "$plain" --version
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    nproc
    lscpu | grep -E "^(Model name|Thread|Core|Socket|CPU\(s\))"
    # Each backend's f64 (elementary functions and a product against the host's); the cuda
    # row decides whether `--dtype f64` is accepted there.
    limited precision 120 "$pinn" bench precision | tagged precision
    ;;
  peers)
    limited jax 150 python3 "$repo/benches/peers/jax_step.py" --points $points --steps 20 |
      tagged jax
    limited torch_cuda 120 python3 "$repo/benches/peers/torch_step.py" --points $points \
      --steps 20 --device cuda | tagged torch_cuda
    limited torch_cpu 60 python3 "$repo/benches/peers/torch_step.py" --points 4096 --steps 20 \
      --device cpu | tagged torch_cpu
    ;;
  cuda)
    # burn's CUDA backend (kernels compiled by NVRTC) with burn's fusion.
    gpu_steps cuda_fused cuda "$pinn" 200
    ;;
  wgpu)
    gpu_steps wgpu_fused wgpu "$pinn" 200
    ;;
  cpu)
    for p in 1 8 16; do
      processes "flex_processes_$p" $p --backends flex --points 4096 --steps 20
    done
    speed flex_threads 150 "$pinn" --backends flex --points 4096 --threads 1,2,4,8,12,16 \
      --steps 20
    # The fused tanh layer on the CPU, in shards of 256 points.
    speed flex_fused_threads 150 "$pinn" --backends flex --points 4096,16384 \
      --threads 1,2,4,8,16 --steps 20 --fused
    speed flex_points 90 "$pinn" --backends flex --points 256,1024 --threads 1,16 --steps 20
    # The forward pass alone records no autodiff graph: does it scale where the step does not?
    speed flex_profile 150 "$pinn" --backends flex --points 4096 --threads 1,4,8,16 --steps 10 \
      --profile
    # Where the CPU time goes at 1, 8 and 16 threads: system time, page faults and TLB
    # shootdowns (the allocator returning pages: mimalloc after 10 ms idle; the last runs with
    # that off), or user time that does not shorten the step (spinning, hyperthreads).
    for t in 1 8 16; do
      steps=$((t == 1 ? 150 : 600))
      sampled "flex_sampled_$t" 40 "$pinn" --backends flex --points 4096 --threads $t --steps $steps
      sampled "flex_fused_sampled_$t" 40 "$pinn" --backends flex --points 4096 --threads $t \
        --steps $steps --fused
    done
    MIMALLOC_PURGE_DELAY=-1 sampled flex_sampled_16_nopurge 40 "$pinn" --backends flex \
      --points 4096 --threads 16 --steps 600
    ;;
  gn)
    # The target: the multiscale problem to rel. L² ≤ 1e-4 within 30 s. Its config with the
    # error measured every 10 steps, training stopped at 1e-4 or after 60 s.
    sed 's/^eval_every = 100$/eval_every = 10\ntime_limit = 60\ntarget = { rel_l2 = 1e-4 }/' \
      "$multiscale" >"$work/multiscale_to_1e-4.toml"
    # Cold, in a CubeCL environment of its own (an empty cache), then warm: the second run finds
    # the first one's autotune results and compiled kernels on disk where the build has
    # `--features persistence` (CubeCL caches compiled kernels only when a cubecl.toml says so).
    mkdir -p "$work/gn_cache"
    printf '[compilation]\ncache = true\n' >"$work/gn_cache/cubecl.toml"
    for run in "" _warm; do
      (cd "$work/gn_cache" && CUBECL_ENVIRONMENT=gn_to_1e-4 train "gn_cuda_f32_to_1e-4$run" 90 \
        "$pinn" "$work/multiscale_to_1e-4.toml" --backend cuda --dtype f32)
    done
    train gn_flex_f64_to_1e-4 90 "$pinn" "$work/multiscale_to_1e-4.toml" --backend flex \
      --dtype f64
    # The same with A = J̃ᵀJ̃ formed on the host in f64 from J̃ read back: no product to tune.
    sed 's/^eval_every = 10$/eval_every = 10\ngram_on_device = false/' \
      "$work/multiscale_to_1e-4.toml" >"$work/multiscale_to_1e-4_host.toml"
    CUBECL_ENVIRONMENT=gn_host_to_1e-4 train gn_cuda_f32_host_to_1e-4 90 "$pinn" \
      "$work/multiscale_to_1e-4_host.toml" --backend cuda --dtype f32
    # Dense Gauss–Newton on each GPU backend (f32 Jacobians, and CUDA in f64 if its f64 passed
    # the precision check), and flex in f64 on all cores.
    gauss_newton gn_cuda_f32 cuda f32 "$pinn"
    gauss_newton gn_wgpu_f32 wgpu f32 "$pinn"
    [ "$plain" != - ] && gauss_newton gn_cuda_f32_plain cuda f32 "$plain"
    gauss_newton gn_cuda_f64 cuda f64 "$pinn"
    train gn_flex_f64_20 150 "$pinn" "$multiscale" --backend flex --dtype f64 --steps 20
    ;;
  cuda_plain | wgpu_plain)
    # burn's fusion off.
    [ "$plain" != - ] && gpu_steps "$part" "${part%_plain}" "$plain" 150
    ;;
  host)
    # Whether a small GPU step is bound by the host: the CPU time per step of the main thread
    # (burn's autodiff), of burn's fusion server (`DSU-…`: fusing and launching kernels) and of
    # CubeCL's device thread (`DSD-…`: encoding them), against the step's wall time, at 4 096
    # points (the steps' count keeps the window after 5 s of start-up, compiling and tuning, a
    # few seconds long); then the fused layers in the build without burn's fusion, where the
    # main thread launches (on a 2-core CPU a launch through the fusion server cost it 3–3.5×
    # what a plain launch cost the main thread: README, Performance).
    for backend in cuda wgpu; do
      for fused in "" --fused; do
        PROC_SAMPLE_WARM_S=5 sampled "host_${backend}${fused:+_kernel}" 60 "$pinn" \
          --backends $backend --points 4096 --steps 1500 $fused
      done
    done
    if [ "$plain" != - ]; then
      for backend in cuda wgpu; do
        PROC_SAMPLE_WARM_S=5 sampled "host_${backend}_plain_kernel" 60 "$plain" \
          --backends $backend --points 4096 --steps 1500 --fused
      done
    fi
    ;;
  kernels)
    for backend in cuda wgpu; do
      kernels "kernels_${backend}_fused" $backend "$pinn"
      kernels "kernels_${backend}_fused_kernel" $backend "$pinn" --fused
      if [ "$plain" != - ]; then
        kernels "kernels_${backend}_plain" $backend "$plain"
        kernels "kernels_${backend}_plain_kernel" $backend "$plain" --fused
      fi
    done
    speed profile_cuda_fused 120 "$pinn" --backends cuda --points 4096,65536 --steps 5 --profile
    speed profile_wgpu_fused 120 "$pinn" --backends wgpu --points 4096,65536 --steps 5 --profile
    ;;
  check)
    # The same 200 steps (Adam, then L-BFGS; f32) on each backend, fusion on and off.
    for b in flex cuda wgpu; do
      train "adam_$b" 90 "$pinn" "$adam_lbfgs" --backend $b --steps 200
      [ $b != flex ] && train "adam_${b}_kernel" 90 "$pinn" "$adam_lbfgs" --backend $b \
        --steps 200 --fused
    done
    if [ "$plain" != - ]; then
      train adam_cuda_plain 90 "$plain" "$adam_lbfgs" --backend cuda --steps 200
      train adam_wgpu_plain 90 "$plain" "$adam_lbfgs" --backend wgpu --steps 200
    fi
    ;;
  acc)
    # The accuracy problem poisson2d, 200 Gauss–Newton steps with f32 Jacobians.
    train acc_cuda_f32 180 "$pinn" "$repo/configs/accuracy/poisson2d.toml" --backend cuda \
      --dtype f32 --steps 200
    ;;
  *)
    echo "unknown part $part; the parts: info peers cuda wgpu cpu gn host cuda_plain wgpu_plain kernels check acc"
    ;;
  esac
done
rm -rf "$work"
