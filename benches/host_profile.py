#!/usr/bin/env python3
"""What the host does for a GPU step, on a machine with perf and root (not the GPU machine):

    benches/host_profile.py counts CMD ...        # CMD must take `--steps N` at its end
    benches/host_profile.py work WARM_S CMD ...   # CMD a run of many steps

`counts`: exact counts per step, from uprobes on the functions that do each thing — autodiff
nodes recorded (burn-autodiff's `GraphMutexClient::register`), ops registered with burn's
fusion (`MultiStream::register`, every instance), kernels launched (`Client::launch`) and
device memory reserved (`Client::do_empty`) — over CMD `--steps 10` and `--steps 30`,
differenced, so that start-up and warm-up cancel (`null`: a build without that function, e.g.
no fusion). E.g.
`benches/host_profile.py counts target/release/pinn bench speed --one --backends wgpu --points 4096 --fused`.

`work`: after WARM_S seconds, `perf record` samples the running CMD's threads for 10 s while
the launches are counted; per thread, its CPU time per kernel launch, all of it and the part
outside waiting — CubeCL's channel spin loops (`submit_inner`: the queue to the next thread is
full; `Server::start`: its own queue is empty), `sched_yield` and the scheduler — with the JIT
code of a software device (lavapipe) as a thread of its own. Multiply by the launches per step
of `counts` for the time per step.

Each prints one JSON line. The binary must have its symbols (not stripped).
"""

import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

TRACING = "/sys/kernel/tracing/uprobe_events"
SAMPLE_HZ = 1999
GROUP = "pinn_host"
# What is counted: the name of the count and a pattern of the (mangled) symbol.
PROBES = {
    "autodiff_nodes": r"GraphMutexClient.*AutodiffClient.*8register",
    "fusion_ops": r"burn_fusion6stream5multi20MultiStream.*8register",
    "launches": r"cubecl_runtime6client6Client6launch17",
    "reservations": r"cubecl_runtime6client6Client8do_empty17",
}
WAITING = re.compile(
    r"submit_inner|Server::start|sched_yield|finish_task_switch|_raw_spin_unlock|__schedule|futex"
)


def text_offset(binary):
    """The executable segment's `vaddr - offset`: a symbol's file offset is its address less it."""
    out = subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD" and "E" in f[6:-1]:
            return int(f[2], 16) - int(f[1], 16)
    sys.exit(f"{binary}: no executable segment")


def trace(line):
    """One line to the kernel's uprobe events (appended: tracefs does not seek)."""
    fd = os.open(TRACING, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def add_probes(binary):
    """One uprobe per symbol that matches; {count name: [event names]}."""
    base = text_offset(binary)
    symbols = subprocess.run(["nm", binary], capture_output=True, text=True).stdout.splitlines()
    events = collections.defaultdict(list)
    for name, pattern in PROBES.items():
        for line in symbols:
            parts = line.split()
            if len(parts) == 3 and re.search(pattern, parts[2]):
                event = f"{name}{len(events[name])}"
                trace(f"p:{GROUP}/{event} {binary}:0x{int(parts[0], 16) - base:x}")
                events[name].append(event)
    if not events["launches"]:
        remove_probes()
        sys.exit(f"{binary}: no symbol for CubeCL's launches (stripped, or a CPU-only build?)")
    return events


def remove_probes():
    with open(TRACING) as f:
        ours = [line.split()[0].split("/")[1] for line in f if line.startswith(f"p:{GROUP}/")]
    for event in ours:
        trace(f"-:{GROUP}/{event}")


def perf_counts(args):
    """`perf stat` of the uprobes around `args` (a command, or `-p PID -- sleep S`)."""
    with tempfile.NamedTemporaryFile("r", suffix=".csv") as out:
        subprocess.run(
            ["perf", "stat", "-x,", "-o", out.name, "-e", f"{GROUP}:*", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        counts = {}
        for line in out.read().splitlines():
            f = line.split(",")
            if len(f) > 2 and f[2].startswith(f"{GROUP}:"):
                counts[f[2].split(":")[1]] = float(f[0]) if f[0][0].isdigit() else 0.0
        return counts


def totals(events, counts):
    """Each count summed over its symbols; `None` where the binary has none (no fusion)."""
    return {
        name: sum(counts.get(e, 0.0) for e in events[name]) if events[name] else None
        for name in PROBES
    }


def counts_mode(cmd):
    events = add_probes(os.path.realpath(cmd[0]))
    try:
        runs = {s: totals(events, perf_counts([*cmd, "--steps", str(s)])) for s in (10, 30)}
    finally:
        remove_probes()
    per_step = {
        k: None if runs[10][k] is None else (runs[30][k] - runs[10][k]) / 20 for k in PROBES
    }
    print(json.dumps({"kind": "host_counts", "cmd": " ".join(cmd), "per_step": per_step}))


def work_mode(warm, cmd):
    events = add_probes(os.path.realpath(cmd[0]))
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(warm)
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "perf.data")
            window = ["-p", str(proc.pid), "--", "sleep", "10"]
            record = subprocess.Popen(
                ["perf", "record", "-q", "-F", str(SAMPLE_HZ), "-o", data, *window],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            launches = totals(events, perf_counts(window))["launches"]
            record.wait()
            report = subprocess.run(
                [
                    *("perf", "report", "-i", data, "--no-children", "-n", "--stdio"),
                    *("--sort", "pid,sym"),
                ],
                capture_output=True,
                text=True,
            ).stdout
    finally:
        proc.kill()
        proc.wait()
        remove_probes()
    # Per thread, its samples in all and outside waiting (`-n`: each line's sample count).
    threads = collections.Counter()
    working = collections.Counter()
    for line in report.splitlines():
        m = re.match(r"\s*[0-9.]+%\s+(\d+)\s+(\d+):(\S+)\s+\[.\]\s+(.*)", line)
        if not m:
            continue
        samples, thread, symbol = int(m.group(1)), f"{m.group(3)}:{m.group(2)}", m.group(4)
        if symbol.startswith("0x"):
            thread = "jit (software device)"
        threads[thread] += samples
        if not WAITING.search(symbol):
            working[thread] += samples
    us = 1e6 / SAMPLE_HZ / max(launches, 1)
    print(
        json.dumps(
            {
                "kind": "host_work",
                "cmd": " ".join(cmd),
                "launches": launches,
                "samples": sum(threads.values()),
                "us_per_launch": {
                    t: {"all": round(threads[t] * us, 2), "working": round(working[t] * us, 2)}
                    for t, _ in threads.most_common(8)
                },
            }
        )
    )


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("counts", "work"):
        sys.exit(__doc__)
    if sys.argv[1] == "counts":
        counts_mode(sys.argv[2:])
    else:
        work_mode(float(sys.argv[2]), sys.argv[3:])


if __name__ == "__main__":
    main()
