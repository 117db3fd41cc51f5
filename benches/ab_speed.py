#!/usr/bin/env python3
"""Compare `pinn bench speed --one` commands on a machine whose speed drifts: run them in
alternating order, ROUNDS times, and print each one's median step time and the median over the
rounds of its ratio to the first command's time in the same round.

    benches/ab_speed.py ROUNDS THREADS POINTS "CMD A" "CMD B" ...

Each CMD is a `pinn bench speed --one …` command line without `--threads` and `--points`,
e.g. "target/release/pinn bench speed --one --backends flex --steps 20 --fused".
"""

import json
import statistics
import subprocess
import sys


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    rounds, threads, points = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    commands = sys.argv[4:]
    times = {c: [] for c in commands}
    for r in range(rounds):
        for c in commands if r % 2 == 0 else commands[::-1]:
            out = subprocess.run(
                c.split() + ["--threads", threads, "--points", points],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            times[c].append(json.loads(out)["ms_per_step"])
    first = times[commands[0]]
    for c in commands:
        ratio = statistics.median(b / a for a, b in zip(first, times[c]))
        print(
            f"{statistics.median(times[c]):8.2f} ms  (min {min(times[c]):7.2f})  "
            f"ratio {ratio:.3f}  {c}"
        )


if __name__ == "__main__":
    main()
