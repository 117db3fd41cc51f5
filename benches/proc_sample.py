#!/usr/bin/env python3
"""Where a multi-threaded run's CPU time goes, from /proc alone (for a machine without perf):
run a command, sample its threads while it runs, and print one JSON line.

    benches/proc_sample.py WARM_S CMD ...

After WARM_S seconds (start-up and warm-up), the command's threads are read every 0.2 s until
it exits; the figures are over the window from the first read to the last. Per thread, the
user and system time (in cores: 1.0 is one core busy all the window) and the voluntary and
involuntary context switches; for the process, its minor page faults; for the machine, the
TLB-shootdown and rescheduling interrupts (other processes' too: run it on a quiet machine).
The command's own last JSON line, if it prints one (`pinn bench speed --one`), is included
with the rates per step (`per_step`), at its median step time.

What it tells apart, on a run that does not scale with its threads:
- system time high, with page faults or TLB shootdowns: the kernel's memory management (the
  allocator returning and taking back pages, each return a shootdown on every core of the
  process);
- user time high on every thread but no speed-up: spinning (idle pool workers, spin locks) or
  cores that are not cores (hyperthreads sharing one core's units), or memory bandwidth;
- threads idle, many voluntary switches: waiting on a lock or on each other.
"""

import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def threads(pid):
    """{tid: (name, utime_s, stime_s, voluntary, involuntary)} of the process's threads."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        # The name is in parentheses and may hold spaces; the fields after it are numbered
        # from 3 (state).
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        out[tid] = (
            name,
            int(rest[11]) / TICK,
            int(rest[12]) / TICK,
            int(status["voluntary_ctxt_switches"]),
            int(status["nonvoluntary_ctxt_switches"]),
        )
    return out


def minor_faults(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    return int(stat[stat.rindex(")") + 2 :].split()[7])


def interrupts():
    """{name: count summed over the CPUs} of the TLB-shootdown and rescheduling lines."""
    out = {}
    with open("/proc/interrupts") as f:
        for line in f:
            key, _, rest = line.partition(":")
            key = key.strip()
            if key in ("TLB", "RES", "CAL"):
                out[key] = sum(int(v) for v in rest.split() if v.isdigit())
    return out


def snapshot(pid):
    return time.monotonic(), threads(pid), minor_faults(pid), interrupts()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    warm = float(sys.argv[1])
    proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, text=True)
    time.sleep(warm)
    first = last = None
    while proc.poll() is None:
        try:
            last = snapshot(proc.pid)
        except OSError:
            break
        first = first or last
        time.sleep(0.2)
    out = proc.stdout.read()
    proc.wait()
    if first is None or last is first:
        sys.exit("the command ended before the sampling window")
    (t0, th0, f0, i0), (t1, th1, f1, i1) = first, last
    window = t1 - t0
    rows = []
    for tid, (name, u, s, vol, invol) in th1.items():
        _, u0, s0, vol0, invol0 = th0.get(tid, (name, 0.0, 0.0, 0, 0))
        rows.append({
            "name": name,
            "user": round((u - u0) / window, 3),
            "sys": round((s - s0) / window, 3),
            "voluntary_per_s": round((vol - vol0) / window, 1),
            "involuntary_per_s": round((invol - invol0) / window, 1),
        })
    rows.sort(key=lambda r: -(r["user"] + r["sys"]))
    result = {
        "window_s": round(window, 2),
        "cores_user": round(sum(r["user"] for r in rows), 3),
        "cores_sys": round(sum(r["sys"] for r in rows), 3),
        "minor_faults_per_s": round((f1 - f0) / window, 1),
        "tlb_shootdowns_per_s": round((i1.get("TLB", 0) - i0.get("TLB", 0)) / window, 1),
        "resched_ipis_per_s": round((i1.get("RES", 0) - i0.get("RES", 0)) / window, 1),
        "call_ipis_per_s": round((i1.get("CAL", 0) - i0.get("CAL", 0)) / window, 1),
        "threads": rows,
    }
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if lines:
        bench = json.loads(lines[-1])
        result["bench"] = bench
        if "ms_per_step" in bench:
            step = bench["ms_per_step"] / 1e3
            result["per_step"] = {
                k.replace("_per_s", ""): round(result[k] * step, 2)
                for k in ("minor_faults_per_s", "tlb_shootdowns_per_s", "resched_ipis_per_s",
                          "call_ipis_per_s")
            }
            result["per_step"]["voluntary"] = round(
                sum(r["voluntary_per_s"] for r in rows) * step, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
