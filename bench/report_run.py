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
  (imports done, matplotlib's font cache loaded).

It prints a Markdown table of medians with min-max and the per-round ratio
(baseline / current), plus the report size, the git commit and the load average.
Nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
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
ts = []
for _ in range(3):
    t = time.perf_counter(); main(["run", "-o", out, "--quiet"]); ts.append(time.perf_counter() - t)
print("WARM", statistics.median(ts))
"""


def _env(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    env["MPLBACKEND"] = "Agg"
    return env


def _cli(src: Path, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evisynth", "run", "-o", str(out), "--quiet"],
                   env=_env(src), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def _warm(src: Path, out: Path) -> float:
    r = subprocess.run([sys.executable, "-c", WARM, str(out)], env=_env(src), check=True,
                       capture_output=True, text=True)
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("WARM ")][-1]
    return float(line.split()[1])


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
    res: dict[str, dict[str, list[float]]] = {k: {"cli": [], "warm": []} for k in trees}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, src in trees.items():  # untimed first run of each: file cache, font cache
            _cli(src, Path(tmp) / name)
        for _ in range(args.rounds):
            for name, src in trees.items():
                out = Path(tmp) / name
                res[name]["cli"].append(_cli(src, out))
                res[name]["warm"].append(_warm(src, out))
                sizes[name] = (out / "report.html").stat().st_size
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    print(f"command: {' '.join(sys.argv)}")
    print(f"git commit (current): {commit}; load average: {os.getloadavg()}")
    print()
    print("| tree | report.html bytes | cli wall s, median (min–max) | warm run s, median "
          "(min–max) |")
    print("|---|---|---|---|")
    for name in trees:
        print(f"| {name} | {sizes[name]:,} | {_fmt(res[name]['cli'])} | "
              f"{_fmt(res[name]['warm'])} |")
    for what in ("cli", "warm"):
        ratios = [b / c for b, c in zip(res["baseline"][what], res["current"][what],
                                        strict=True)]
        print(f"\nratio baseline/current ({what}), per round: median "
              f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
