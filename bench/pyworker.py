"""Timing worker for one Python tool, driven by ``bench/run.py`` over stdin/stdout.

    python bench/pyworker.py serve TOOL SPEC.json
    python bench/pyworker.py profile SPEC.json SCENARIO OUT.txt   (evisynth under cProfile)

``serve`` starts one persistent process per tool: imports and reading the CSV
files happen once, before anything is timed. The process prints one JSON line
(``ready``: version, where the package was imported from, and per scenario
whether the tool can run it), then answers one JSON command per line:

* ``{"cmd": "calibrate", "scenario": S, "target": T}``: untimed warm-up runs,
  and the number ``n`` of back-to-back runs that make a timed repeat of at
  least ``T`` seconds;
* ``{"cmd": "run", "scenario": S, "n": n}``: one timed repeat, ``n`` runs,
  timed with ``time.perf_counter``; answers seconds per run;
* ``{"cmd": "result", "scenario": S}``: the estimates and tau² of the last run
  (for the agreement check in ``run.py``);
* ``{"cmd": "quit"}``.

``run.py`` sends ``run`` commands to the tools in turn, round by round
(A B C A B C ...), so that machine drift hits every tool alike.

The tool ``evisynth-base`` is the class ``evisynth`` imported from another
source tree (``run.py`` puts the base revision's ``src`` first on
``PYTHONPATH``): the before/after comparison of one change.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

Job = Callable[[], tuple[np.ndarray, np.ndarray]]


class NotAvailable(Exception):
    """The tool cannot do this scenario (reason in the message)."""


# ---------------------------------------------------------------- data


def read_single(sc: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    d = np.loadtxt(sc["csv"], delimiter=",", skiprows=1, ndmin=2)
    if sc.get("k") is not None:
        d = d[: sc["k"]]
    return np.ascontiguousarray(d[:, 0]), np.ascontiguousarray(d[:, 1])


def read_batch(sc: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    d = np.loadtxt(sc["csv"], delimiter=",", skiprows=1, ndmin=2)
    ids = d[:, 0].astype(np.int64)
    B = int(ids.max()) + 1
    k = d.shape[0] // B
    return d[:, 1].reshape(B, k).copy(), d[:, 2].reshape(B, k).copy()


def loo_mask(B: int, k: int) -> np.ndarray:
    """Row i leaves out study i (i < B)."""
    mask = np.ones((B, k), dtype=bool)
    mask[np.arange(B), np.arange(B)] = False
    return mask


# ---------------------------------------------------------------- tools
#
# Each tool provides single(y, v, method) -> (estimate, tau2) for one
# meta-analysis, and where it has them batch / leave-one-out / permutation
# implementations. Scenarios a tool cannot do raise NotAvailable.


class Tool:
    name = "?"

    def version(self) -> str:
        raise NotImplementedError

    def where(self) -> str:
        return ""

    def check(self, method: str) -> None:
        """Raise NotAvailable if the tool has no such estimator."""

    def single(self, y: np.ndarray, v: np.ndarray, method: str) -> tuple[float, float]:
        raise NotImplementedError

    def batch(self, Y: np.ndarray, V: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
        raise NotAvailable("no batch interface")

    def loo_inf(
        self, y: np.ndarray, v: np.ndarray, method: str
    ) -> tuple[np.ndarray, np.ndarray]:
        raise NotAvailable("no leave-one-out")

    def permutest(self, y: np.ndarray, v: np.ndarray, method: str, iters: int) -> float:
        raise NotAvailable("no permutation test")

    def modes(self) -> dict[str, str]:
        return {}


class Evisynth(Tool):
    """evisynth.rma for one analysis; engine.fit_batch for many at once."""

    name = "evisynth"

    def __init__(self) -> None:
        import evisynth
        from evisynth.engine import fit_batch, make_batch

        self.ev = evisynth
        self.fit_batch = fit_batch
        self.make_batch = make_batch

    def version(self) -> str:
        return self.ev.__version__

    def where(self) -> str:
        return str(Path(self.ev.__file__).resolve().parent)

    def single(self, y, v, method):
        r = self.ev.rma(yi=y, vi=v, method=method, test="z")
        return r.estimate, r.tau2

    def batch(self, Y, V, method):
        # complete intercept-only meta-analyses: the study-major engine made for them
        from evisynth.engine.intercept import fit_intercept

        f = fit_intercept(Y, V, method, "z")
        return f.estimate, f.tau2

    def loo_inf(self, y, v, method):
        fit = self.ev.rma(yi=y, vi=v, method=method, test="z")
        loo = self.ev.leave_one_out(fit)
        self.ev.influence(fit)
        return np.asarray(loo.estimate), np.asarray(loo.tau2)

    def permutest(self, y, v, method, iters):
        fit = self.ev.rma(yi=y, vi=v, method=method, test="z")
        return float(self.ev.permutest(fit, iter=iters, seed=1).pval[0])

    def modes(self):
        return {
            "single": "rma()",
            "batch": "one engine.intercept.fit_intercept(Y, V) call",
            "loo_inf": "rma() + leave_one_out() + influence()",
            "permutest": "rma() + permutest()",
        }


class EvisynthBase(Evisynth):
    name = "evisynth-base"


class PyMARE(Tool):
    """PyMARE estimators; they accept (k, d) arrays: d parallel data sets in one call."""

    name = "pymare"

    def __init__(self) -> None:
        import pymare
        from pymare.estimators import DerSimonianLaird, VarianceBasedLikelihoodEstimator

        self.pymare = pymare
        self.DL = DerSimonianLaird
        self.VBL = VarianceBasedLikelihoodEstimator

    def version(self) -> str:
        return self.pymare.__version__

    def check(self, method):
        if method not in ("REML", "DL"):
            raise NotAvailable(f"no {method} estimator")

    def _estimator(self, method):
        # small_sample_correction="wald": plain z inference, as test="z" elsewhere
        # (PyMARE >= 0.0.11 defaults to Knapp-Hartung; estimate and tau2 are unaffected).
        if method == "REML":
            return self.VBL(method="REML", small_sample_correction="wald")
        return self.DL(small_sample_correction="wald")

    def _fit(self, Ykd, Vkd, method):
        est = self._estimator(method)
        est.fit(Ykd, Vkd, np.ones((Ykd.shape[0], 1)))
        p = est.params_
        return np.asarray(p["fe_params"])[0], np.ravel(p["tau2"])

    def single(self, y, v, method):
        b, t = self._fit(y[:, None], v[:, None], method)
        return float(b[0]), float(t[0])

    def batch(self, Y, V, method):
        # run.py hands over (B, k); PyMARE wants (k, B): transposed views, no copy.
        return self._fit(Y.T, V.T, method)

    def loo_inf(self, y, v, method):
        # leave-one-out only (PyMARE has no influence diagnostics): one batched call
        k = y.shape[0]
        mask = loo_mask(k, k)
        Yl = np.broadcast_to(y, (k, k))[mask].reshape(k, k - 1)
        Vl = np.broadcast_to(v, (k, k))[mask].reshape(k, k - 1)
        return self._fit(Yl.T, Vl.T, method)

    def modes(self):
        return {
            "single": "estimator.fit()",
            "batch": "one fit() on (k, B) arrays",
            "loo_inf": "leave-one-out only: one fit() on a (k-1, k) array of reduced data sets",
        }


class Pimeta(Tool):
    """pimeta.rma (a pure-Python port of metafor's rma.uni); pimeta.leave1out."""

    name = "pimeta"

    def __init__(self) -> None:
        import pimeta

        self.pm = pimeta

    def version(self) -> str:
        return self.pm.__version__

    def single(self, y, v, method):
        r = self.pm.rma(y, v, method=method, test="z")
        return float(np.ravel(r.b)[0]), float(r.tau2)

    def loo_inf(self, y, v, method):
        r = self.pm.leave1out(y, v, method=method)
        return np.asarray(r.estimate, dtype=float), np.asarray(r.tau2, dtype=float)

    def modes(self):
        return {"single": "pimeta.rma()", "loo_inf": "leave-one-out only: pimeta.leave1out()"}


class Statsmodels(Tool):
    """statsmodels.stats.meta_analysis.combine_effects (1-D inputs only)."""

    name = "statsmodels"

    def __init__(self) -> None:
        import statsmodels
        from statsmodels.stats.meta_analysis import combine_effects

        self.sm = statsmodels
        self.combine = combine_effects

    def version(self) -> str:
        return self.sm.__version__

    def check(self, method):
        if method != "DL":
            raise NotAvailable(
                f"no {method}: combine_effects offers only DerSimonian-Laird "
                "('dl'/'chi2') and Paule-Mandel ('iterated'/'pm')"
            )

    def single(self, y, v, method):
        r = self.combine(y, v, method_re="dl")
        return float(r.mean_effect_re), float(r.tau2)

    def modes(self):
        return {"single": 'combine_effects(method_re="dl")'}


TOOLS: dict[str, type[Tool]] = {
    t.name: t for t in (Evisynth, EvisynthBase, PyMARE, Pimeta, Statsmodels)
}


# ---------------------------------------------------------------- jobs


def make_job(tool: Tool, sc: dict[str, Any]) -> tuple[Job, str]:
    """The scenario as a zero-argument callable, and a description of how it is run."""
    m = sc["method"]
    tool.check(m)
    kind = sc["kind"]
    if kind == "single":
        y, v = read_single(sc)
        tool.single(y, v, m)

        def job():
            e, t = tool.single(y, v, m)
            return np.array([e]), np.array([t])

        return job, tool.modes()["single"]
    if kind == "batch":
        Y, V = read_batch(sc)
        mode = tool.modes().get("batch")
        if mode is None:
            raise NotAvailable("no batch interface (a Python loop would take minutes)")
        return (lambda: tool.batch(Y, V, m)), mode
    if kind == "loo_inf":
        y, v = read_single(sc)
        mode = tool.modes().get("loo_inf")
        if mode is None:
            raise NotAvailable("no leave-one-out")
        return (lambda: tool.loo_inf(y, v, m)), mode
    if kind == "permutest":
        y, v = read_single(sc)
        mode = tool.modes().get("permutest")
        if mode is None:
            raise NotAvailable("no permutation test")

        def pjob():
            p = tool.permutest(y, v, m, sc["iter"])
            return np.array([p]), np.array([np.nan])

        return pjob, mode
    raise ValueError(kind)


def time_n(job: Job, n: int) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    """Run ``job`` n times back to back; seconds per run and the last result."""
    t0 = time.perf_counter()
    for _ in range(n):
        res = job()
    return (time.perf_counter() - t0) / n, res


def calibrate(job: Job, target: float) -> int:
    """Warm up, and choose how many runs make one timed repeat of >= ``target`` seconds."""
    n = 1
    while True:
        t = time_n(job, n)[0] * n
        if t >= target / 4 or n >= 100_000:
            break
        n *= 10
    return int(max(1, min(100_000, np.ceil(n * target / max(t, 1e-9)))))


def _floats(a: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(x) else float(x) for x in np.asarray(a, dtype=float).ravel()]


def serve(tool_name: str, spec: dict[str, Any]) -> int:
    warnings.simplefilter("ignore")
    out = sys.stdout

    def say(obj: dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    try:
        tool = TOOLS[tool_name]()
    except Exception as exc:  # import failure: report it, do not crash the run
        say({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return 0
    jobs: dict[str, Job] = {}
    status: dict[str, dict[str, str]] = {}
    for sc in spec["scenarios"]:
        if sc["kind"] == "spawn":
            continue
        skip = (sc.get("skip") or {}).get(tool_name)
        if skip:
            status[sc["name"]] = {"status": "skipped", "reason": skip}
            continue
        try:
            job, mode = make_job(tool, sc)
        except NotAvailable as exc:
            status[sc["name"]] = {"status": "n/a", "reason": str(exc)}
            continue
        except Exception as exc:
            status[sc["name"]] = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
            continue
        jobs[sc["name"]] = job
        status[sc["name"]] = {"status": "ok", "mode": mode}
    say({"ready": True, "version": tool.version(), "where": tool.where(), "scenarios": status})
    last: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for line in sys.stdin:
        cmd = json.loads(line)
        name = cmd.get("scenario", "")
        try:
            if cmd["cmd"] == "quit":
                break
            if cmd["cmd"] == "calibrate":
                say({"n": calibrate(jobs[name], float(cmd["target"]))})
            elif cmd["cmd"] == "run":
                sec, res = time_n(jobs[name], int(cmd["n"]))
                last[name] = res
                say({"sec": sec})
            elif cmd["cmd"] == "result":
                est, t2 = last[name]
                say({"estimate": _floats(est), "tau2": _floats(t2)})
            else:
                say({"error": f"unknown command {cmd['cmd']!r}"})
        except Exception as exc:
            say({"error": f"{type(exc).__name__}: {exc}"})
    return 0


def profile(spec: dict[str, Any], scenario: str, top: int = 15) -> str:
    """cProfile of evisynth's run of one scenario, repeated for >= 0.5 s after a warm-up."""
    warnings.simplefilter("ignore")
    tool = Evisynth()
    sc = next(s for s in spec["scenarios"] if s["name"] == scenario)
    job, mode = make_job(tool, sc)
    n = calibrate(job, 0.5)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        job()
    prof.disable()
    parts = []
    for key, n_lines in (("tottime", top), ("cumulative", 12)):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(n_lines)
        body = [ln.rstrip() for ln in buf.getvalue().splitlines() if ln.strip()]
        body = [ln for ln in body if not ln.lstrip().startswith(("Ordered by", "List reduced"))]
        parts.append(f"--- sorted by {key} ---\n" + "\n".join(body))
    text = "\n".join(parts)
    for prefix in sorted(
        {
            str(Path(m.__file__).resolve().parents[1]) + "/"
            for m in (np, sys.modules.get("scipy"), sys.modules.get("evisynth"))
            if m
        },
        key=len,
        reverse=True,
    ):
        text = text.replace(prefix, "")
    header = (
        f"evisynth, scenario {scenario} ({mode}); the scenario run {n} times "
        f"under cProfile (times in seconds, summed over the {n} runs):"
    )
    return header + "\n" + text


def main(argv: list[str]) -> int:
    if argv[0] == "profile":
        spec = json.loads(Path(argv[1]).read_text())
        Path(argv[3]).write_text(profile(spec, argv[2]))
        return 0
    if argv[0] == "serve":
        spec = json.loads(Path(argv[2]).read_text())
        return serve(argv[1], spec)
    raise SystemExit("usage: pyworker.py serve TOOL SPEC.json | profile SPEC.json SCENARIO OUT")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
