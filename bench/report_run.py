"""Time ``evisynth run`` on the bundled review: a baseline source tree against this one.

Usage::

    git archive <base-commit> src | tar -x -C /tmp/evisynth-base   # the baseline tree
    .venv/bin/python bench/report_run.py --base /tmp/evisynth-base/src --rounds 7

(``--current DIR`` compares another ``src/`` folder instead of this checkout's.)

Each round runs the baseline and the current tree alternately (A B A B ...), so
machine drift cancels, and measures two things per tree:

* ``cli``: wall time of a fresh ``python -m evisynth run -o DIR --quiet`` process
  (imports included; the OS file cache is warm after the first round);
* ``warm``: in one process, the median of 3 ``run`` calls after a first one
  (imports done, matplotlib's font cache loaded);

and for both the CPU time (user + system) besides the wall time: on a shared,
loaded machine the wall time mostly measures the other processes.

It prints a Markdown table of medians with min-max and the per-round ratio
(baseline / current), plus the report size, the git commit and the load average.
Nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WARM = r"""
import statistics, sys, time
from evisynth.cli import main
out = sys.argv[1]
main(["run", "-o", out, "--quiet"])
ts, cs = [], []
for _ in range(3):
    t, c = time.perf_counter(), time.process_time()
    main(["run", "-o", out, "--quiet"])
    ts.append(time.perf_counter() - t); cs.append(time.process_time() - c)
print("WARM", statistics.median(ts), statistics.median(cs))
"""


def _env(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    env["MPLBACKEND"] = "Agg"
    return env


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _cli(src: Path, out: Path) -> tuple[float, float]:
    t, c = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "-m", "evisynth", "run", "-o", str(out), "--quiet"],
                   env=_env(src), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t, _children_cpu() - c


def _warm(src: Path, out: Path) -> tuple[float, float]:
    r = subprocess.run([sys.executable, "-c", WARM, str(out)], env=_env(src), check=True,
                       capture_output=True, text=True)
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("WARM ")][-1]
    return float(line.split()[1]), float(line.split()[2])


def _fmt(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3f} ({min(xs):.3f}–{max(xs):.3f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="src/ folder of the baseline")
    ap.add_argument("--current", type=Path, default=ROOT / "src",
                    help="src/ folder of the tree to compare (default: this checkout)")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    cur = args.current.resolve()
    trees = {"baseline": args.base.resolve(), "current": cur}
    kinds = ("cli", "cli_cpu", "warm", "warm_cpu")
    res: dict[str, dict[str, list[float]]] = {k: {w: [] for w in kinds} for k in trees}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, src in trees.items():  # untimed first run of each: file cache, font cache
            _cli(src, Path(tmp) / name)
        for _ in range(args.rounds):
            for name, src in trees.items():
                out = Path(tmp) / name
                for what, (wall, cpu) in (("cli", _cli(src, out)), ("warm", _warm(src, out))):
                    res[name][what].append(wall)
                    res[name][what + "_cpu"].append(cpu)
                sizes[name] = (out / "report.html").stat().st_size
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    if cur != (ROOT / "src").resolve():
        commit = f"{cur} (a copy; this checkout is at {commit})"
    print(f"command: {' '.join(sys.argv)}")
    print(f"current tree: {commit}; load average: {os.getloadavg()}")
    print()
    print("| tree | report.html bytes | cli wall s | cli CPU s | warm run wall s | "
          "warm run CPU s |")
    print("|---|---|---|---|---|---|")
    for name in trees:
        print(f"| {name} | {sizes[name]:,} | "
              + " | ".join(_fmt(res[name][w]) for w in kinds) + " |")
    print("\n(medians over the rounds, min–max in brackets; CPU = user + system time of the "
          "process, which machine load inflates far less than wall time)")
    for what in kinds:
        ratios = [b / c for b, c in zip(res["baseline"][what], res["current"][what],
                                        strict=True)]
        print(f"\nratio baseline/current ({what}), per round: median "
              f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
