"""Engine timing of two source trees, alternated round by round (before/after a refactor).

Run from the repository root::

    git archive BASE src | tar -x -C /tmp/base
    .venv/bin/python bench/engine_paths.py /tmp/base/src $PWD/src [rounds]

Every round starts one worker process per tree, which builds the data and warms
every case up; then each case runs once in one worker and once in the other
(OLD NEW, then NEW OLD in the next round, ...), so that drift of the shared
machine falls on both alike, and fresh workers each round keep one process's
memory layout from biasing every round. Printed per case: the median CPU time per call of
each tree (``time.process_time`` of the worker: on a loaded machine much less
noisy than wall time) and the median and min-max of the per-round ratios new/old
for CPU and wall time (< 1: new faster). Cases: the intercept-only fast path on 1e6 meta-analyses
(k = 5, REML + Knapp-Hartung, the design of bench/simulate.py; data generated
before timing) and on 1e5 (k = 10, REML, z); ``ev.simulate`` end to end on the
same 1e6; the general engine on 1e4 meta-regressions; ``rma`` and
``leave_one_out`` on single meta-analyses. Never run as a test.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

WORKER = r"""
import sys, time, json, numpy as np, evisynth as ev
from evisynth.engine import fit_batch, make_batch
from evisynth.engine.intercept import fit_intercept
from evisynth.simulate import RandomVariances

rng = np.random.default_rng(2026)
B, k = 1_000_000, 5
V = np.exp(rng.uniform(np.log(0.01), np.log(0.5), (k, B)))
Y = rng.normal(0.0, np.sqrt(V + 0.04))
V2 = np.exp(rng.uniform(np.log(0.01), np.log(0.5), (10, 100_000)))
Y2 = rng.normal(0.0, np.sqrt(V2 + 0.04))
X = np.stack([np.ones((10_000, 10)), rng.normal(size=(10_000, 10))], axis=2)
V3 = rng.uniform(0.01, 0.3, (10_000, 10))
Y3 = 0.2 * X[:, :, 1] + rng.normal(0, np.sqrt(V3 + 0.05))
batch3 = make_batch(Y3, V3, X)
y13 = rng.normal(-0.7, 0.6, 13); v13 = rng.uniform(0.01, 0.2, 13)
y100 = rng.normal(0, 0.5, 100); v100 = rng.uniform(0.01, 0.3, 100)
design = ev.SimDesign(k=5, tau=0.2, mu=0.0, vi=RandomVariances(0.01, 0.5, "loguniform"))
CASES = {  # name: (function, calls per timed repeat)
  "fit_intercept 1e6x5 REML knha": (lambda: fit_intercept(Y.T, V.T, "REML", "knha"), 1),
  "simulate 1e6 k=5 REML knha": (lambda: ev.simulate(design, [("REML", "knha")],
                                                     reps=1_000_000, seed=2026,
                                                     progress=False), 1),
  "fit_intercept 1e5x10 REML z": (lambda: fit_intercept(Y2.T, V2.T, "REML", "z"), 2),
  "fit_batch 1e4x10 metareg REML knha": (lambda: fit_batch(batch3, "REML", "knha"), 2),
  "rma REML k=13": (lambda: ev.rma(yi=y13, vi=v13, method="REML"), 200),
  "rma EB k=13": (lambda: ev.rma(yi=y13, vi=v13, method="EB"), 200),
  "leave_one_out REML k=100": (lambda: ev.leave_one_out(ev.rma(yi=y100, vi=v100)), 20),
}
for f, _ in CASES.values():
    f()  # warm-up
print(json.dumps(list(CASES)), flush=True)
for line in sys.stdin:
    f, n = CASES[line.strip()]
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        f()
    print(json.dumps([(time.perf_counter() - t0) / n, (time.process_time() - c0) / n]),
          flush=True)
"""


def start(src: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True,
                            env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin",
                                 "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})


def ask(worker: subprocess.Popen[str], case: str) -> tuple[float, float]:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(case + "\n")
    worker.stdin.flush()
    wall, cpu = json.loads(worker.stdout.readline())
    return wall, cpu


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    wall: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    cpu: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    cases: list[str] = []
    for r in range(rounds):
        # A fresh pair of workers every round: the memory layout of one process
        # (alignment of the large arrays) must not bias every round alike.
        workers = {"old": start(old), "new": start(new)}
        for w in workers.values():
            assert w.stdout is not None
            cases = json.loads(w.stdout.readline())
        for case in cases:
            for tag in ("old", "new") if r % 2 == 0 else ("new", "old"):
                w_, c_ = ask(workers[tag], case)
                wall[tag].setdefault(case, []).append(w_)
                cpu[tag].setdefault(case, []).append(c_)
        for w in workers.values():
            assert w.stdin is not None
            w.stdin.close()
            w.wait()
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    print("| case | old CPU (median) | new CPU (median) | new/old CPU per round: median "
          "[min–max] | new/old wall per round: median [min–max] |")
    print("|---|---:|---:|---|---|")
    for case in cases:
        rc = [b / a for a, b in zip(cpu["old"][case], cpu["new"][case], strict=True)]
        rw = [b / a for a, b in zip(wall["old"][case], wall["new"][case], strict=True)]
        print(f"| {case} | {_fmt(statistics.median(cpu['old'][case]))} | "
              f"{_fmt(statistics.median(cpu['new'][case]))} | "
              f"{statistics.median(rc):.3f} [{min(rc):.3f}–{max(rc):.3f}] | "
              f"{statistics.median(rw):.3f} [{min(rw):.3f}–{max(rw):.3f}] |")


def _fmt(sec: float) -> str:
    return f"{sec:.3f} s" if sec >= 1 else f"{sec * 1e3:.3f} ms"


if __name__ == "__main__":
    main()
