"""Engine timing before/after the hardening of issue #9 (convergence criterion,
stable tr(P), power-of-2 normalisation).

Run from the repository root, alternating source trees round by round so that
drift cancels::

    python bench/harden_engine.py OLD_SRC NEW_SRC [rounds]

where OLD_SRC/NEW_SRC are ``src`` folders (e.g. from ``git archive``). Prints the
median time per call of each case and the ratio new/old.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

CASES = r"""
import time, json, numpy as np, evisynth as ev
rng = np.random.default_rng(1)
k = 13
yi = rng.normal(-0.7, 0.6, k); vi = rng.uniform(0.01, 0.2, k)
y100 = rng.normal(0, 0.5, 100); v100 = rng.uniform(0.01, 0.3, 100)
x100 = rng.normal(size=100)
def t(f, n):
    f(); t0 = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - t0) / n
out = {
  "rma REML k=13": t(lambda: ev.rma(yi=yi, vi=vi, method="REML"), 300),
  "rma PM k=13": t(lambda: ev.rma(yi=yi, vi=vi, method="PM"), 300),
  "rma DL k=13": t(lambda: ev.rma(yi=yi, vi=vi, method="DL"), 300),
  "leave_one_out REML k=100": t(lambda: ev.leave_one_out(ev.rma(yi=y100, vi=v100)), 20),
  "metareg REML k=100": t(lambda: ev.rma(yi=y100, vi=v100, mods=x100), 100),
}
print(json.dumps(out))
"""


def run(src: str) -> dict[str, float]:
    env_cmd = [sys.executable, "-c", CASES]
    res = subprocess.run(env_cmd, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"})
    return json.loads(res.stdout)


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    times: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    for _ in range(rounds):
        for tag, src in (("old", old), ("new", new)):
            for case, sec in run(src).items():
                times[tag].setdefault(case, []).append(sec)
    print(f"{'case':<24} {'old ms':>9} {'new ms':>9} {'new/old':>8}")
    for case in times["old"]:
        a = statistics.median(times["old"][case]) * 1e3
        b = statistics.median(times["new"][case]) * 1e3
        print(f"{case:<24} {a:9.3f} {b:9.3f} {b / a:8.2f}")


if __name__ == "__main__":
    main()
