#!/usr/bin/env python3
"""What a run spent autotuning and which kernels it compiled, from CubeCL's logs: one JSON line.

    benches/tuning_log.py DIR

DIR holds `autotune.log` (CubeCL's autotune logger at level "minimal": a "Fastest result KEY"
line per tuned key, then one "- Tuning: CANDIDATE (compilation & bench: TIME)" line per
candidate) and `compile.log` (the compilation logger at level "basic": one "[Compiling kernel]
NAME" line per kernel). A `cubecl.toml` in the working directory of the run switches both on:

    [autotune.logger]
    level = "minimal"
    file = "DIR/autotune.log"
    [compilation.logger]
    level = "basic"
    file = "DIR/compile.log"

The line: the number of tuned keys, the seconds of compiling and benchmarking their candidates,
the five costliest keys (the key's kind, the candidate chosen, a matrix product's m, n, k as
CubeCL buckets them), and the compiled kernels by name.
"""

import collections
import json
import re
import sys

UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def seconds(text: str) -> float:
    m = re.fullmatch(r"([0-9.]+)(ns|µs|us|ms|s)", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else 0.0


def keys(path: str) -> list:
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("Fastest result "):
                head = line[len("Fastest result ") :].split(" - ")[0].split(". Top")[0]
                dims = re.search(r"m: (\d+), n: (\d+), k: (\d+)", line)
                fastest, _, key = head.rpartition("-")
                out.append(
                    {
                        "key": key[:80],
                        "fastest": fastest[:80],
                        "mnk": [int(d) for d in dims.groups()] if dims else None,
                        "candidates": 0,
                        "s": 0.0,
                    }
                )
            elif line.startswith(" - Tuning") and out:
                t = re.search(r"compilation & bench: ([0-9.]+[^)]*)\)", line)
                if t:
                    out[-1]["candidates"] += 1
                    out[-1]["s"] += seconds(t.group(1).strip())
    return out


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    try:
        tuned = keys(f"{d}/autotune.log")
    except OSError:
        tuned = []
    try:
        with open(f"{d}/compile.log", errors="replace") as f:
            names = [l.split("]", 1)[1].strip() for l in f if l.startswith("[Compiling kernel]")]
    except OSError:
        names = []
    tuned.sort(key=lambda k: -k["s"])
    print(
        json.dumps(
            {
                "kind": "tuning",
                "keys": len(tuned),
                "tuning_s": round(sum(k["s"] for k in tuned), 3),
                "costliest": [dict(k, s=round(k["s"], 3)) for k in tuned[:5]],
                "kernels_compiled": len(names),
                "kernels": collections.Counter(n.split("::")[-1] for n in names).most_common(),
            }
        )
    )


if __name__ == "__main__":
    main()
