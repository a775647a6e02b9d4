"""Timing worker for one Python tool, driven by ``bench/run.py``.

    python bench/pyworker.py TOOL SPEC.json OUT.json
    python bench/pyworker.py profile SPEC.json SCENARIO OUT.txt   (evisynth under cProfile)

Each tool runs in its own process. Imports and reading the CSV files happen
before timing; each repeat is timed with ``time.perf_counter`` around the
whole scenario (one fit, a loop of fits, or one batched call).
Warm-up runs (skipped when the scenario is expected to be slow) also choose how
many back-to-back runs make one timed repeat, so that a repeat lasts at least
``min_repeat_seconds``; the time reported is per run. The estimates and tau² of
the last run are written out so that ``run.py`` can check that all tools agree.
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
# meta-analysis, and optionally native batch/loo implementations. Where a tool
# has none, the scenario is a Python loop over single().


class Tool:
    name = "?"
    batch_native = False
    loo_native = False

    def version(self) -> str:
        raise NotImplementedError

    def check(self, method: str) -> None:
        """Raise NotAvailable if the tool has no such estimator."""

    def single(self, y: np.ndarray, v: np.ndarray, method: str) -> tuple[float, float]:
        raise NotImplementedError

    def batch(self, Y: np.ndarray, V: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def loo(
        self, y: np.ndarray, v: np.ndarray, B: int, method: str
    ) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def loo_native_for(self, B: int, k: int) -> bool:
        return self.loo_native


class Evisynth(Tool):
    """evisynth.rma for one analysis; engine.fit_batch for many at once."""

    name = "evisynth"
    batch_native = True
    loo_native = True

    def __init__(self) -> None:
        import evisynth
        from evisynth.engine import fit_batch, make_batch

        self.ev = evisynth
        self.fit_batch = fit_batch
        self.make_batch = make_batch

    def version(self) -> str:
        return self.ev.__version__

    def single(self, y, v, method):
        r = self.ev.rma(yi=y, vi=v, method=method, test="z")
        return r.estimate, r.tau2

    def batch(self, Y, V, method):
        f = self.fit_batch(self.make_batch(Y, V), method=method, test="z")
        return f.beta[:, 0], f.tau2

    def loo(self, y, v, B, method):
        k = y.shape[0]
        mask = loo_mask(B, k)
        batch = self.make_batch(np.broadcast_to(y, (B, k)), np.broadcast_to(v, (B, k)), mask=mask)
        f = self.fit_batch(batch, method=method, test="z")
        return f.beta[:, 0], f.tau2


class EvisynthLoop(Evisynth):
    """evisynth.rma called once per meta-analysis (to show what batching buys)."""

    name = "evisynth-loop"
    batch_native = False
    loo_native = False


class PyMARE(Tool):
    """PyMARE estimators; they accept (k, d) arrays: d parallel data sets in one call."""

    name = "pymare"
    batch_native = True
    loo_native = True

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

    def loo(self, y, v, B, method):
        k = y.shape[0]
        mask = loo_mask(B, k)
        Yl = np.broadcast_to(y, (B, k))[mask].reshape(B, k - 1)
        Vl = np.broadcast_to(v, (B, k))[mask].reshape(B, k - 1)
        return self._fit(Yl.T, Vl.T, method)


class Pimeta(Tool):
    """pimeta.rma (a pure-Python port of metafor's rma.uni); pimeta.leave1out."""

    name = "pimeta"
    loo_native = True

    def __init__(self) -> None:
        import pimeta

        self.pm = pimeta

    def version(self) -> str:
        return self.pm.__version__

    def single(self, y, v, method):
        r = self.pm.rma(y, v, method=method, test="z")
        return float(np.ravel(r.b)[0]), float(r.tau2)

    def loo_native_for(self, B, k):
        return B == k  # leave1out() always leaves out every study

    def loo(self, y, v, B, method):
        r = self.pm.leave1out(y, v, method=method)
        return np.asarray(r.estimate, dtype=float), np.asarray(r.tau2, dtype=float)


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


TOOLS: dict[str, type[Tool]] = {
    t.name: t for t in (Evisynth, EvisynthLoop, PyMARE, Pimeta, Statsmodels)
}


# ---------------------------------------------------------------- jobs


def loop_batch(tool: Tool, Y: np.ndarray, V: np.ndarray, method: str) -> Job:
    B = Y.shape[0]
    rows = [(Y[b], V[b]) for b in range(B)]

    def job():
        est = np.empty(B)
        t2 = np.empty(B)
        for b, (y, v) in enumerate(rows):
            try:
                est[b], t2[b] = tool.single(y, v, method)
            except Exception:
                est[b] = t2[b] = np.nan
        return est, t2

    return job


def loop_loo(tool: Tool, y: np.ndarray, v: np.ndarray, B: int, method: str) -> Job:
    def job():
        est = np.empty(B)
        t2 = np.empty(B)
        for i in range(B):
            try:
                est[i], t2[i] = tool.single(np.delete(y, i), np.delete(v, i), method)
            except Exception:
                est[i] = t2[i] = np.nan
        return est, t2

    return job


def make_job(tool: Tool, sc: dict[str, Any]) -> tuple[Job, str]:
    """The scenario as a zero-argument callable, and a description of how it is run."""
    m = sc["method"]
    tool.check(m)
    kind = sc["kind"]
    if kind == "single":
        y, v = read_single(sc)

        def job():
            e, t = tool.single(y, v, m)
            return np.array([e]), np.array([t])

        return job, "one call"
    if kind == "batch":
        Y, V = read_batch(sc)
        if tool.batch_native:
            return (
                lambda: tool.batch(Y, V, m)
            ), f"one batched call ({Y.shape[0]} x k={Y.shape[1]})"
        return loop_batch(tool, Y, V, m), "Python loop, one call per meta-analysis"
    if kind == "loo":
        y, v = read_single(sc)
        B = sc["B"]
        if tool.loo_native_for(B, y.shape[0]):
            desc = {
                "evisynth": "one fit_batch call with a (B, k) leave-one-out mask",
                "pymare": "one batched call on a (k-1, B) array of leave-one-out data sets",
                "pimeta": "pimeta.leave1out()",
            }[tool.name]
            return (lambda: tool.loo(y, v, B, m)), desc
        return loop_loo(tool, y, v, B, m), "Python loop, one call per omitted study"
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


def run_tool(tool_name: str, spec: dict[str, Any]) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    try:
        tool = TOOLS[tool_name]()
    except Exception as exc:  # import failure: report it, do not crash the run
        return {"info": {"tool": tool_name, "error": f"{type(exc).__name__}: {exc}"}, "results": {}}
    results: dict[str, Any] = {}
    per_repeat: dict[str, float] = {}
    for sc in spec["scenarios"]:
        name = sc["name"]
        if tool_name == "evisynth-loop" and sc["kind"] == "single":
            continue  # identical to "evisynth" there
        est_t = None
        if sc.get("est_from") and sc["est_from"] in per_repeat:
            est_t = per_repeat[sc["est_from"]] * sc["factor"]
        try:
            job, mode = make_job(tool, sc)
        except NotAvailable as exc:
            results[name] = {"status": "n/a", "reason": str(exc)}
            continue
        except Exception as exc:
            results[name] = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
            continue
        if est_t is not None and est_t > spec["max_seconds"]:
            results[name] = {
                "status": "skipped",
                "est_seconds": est_t,
                "mode": mode,
                "reason": (
                    f"not run: estimated {est_t:.0f} s per repeat ({sc['est_from']} time x "
                    f"{sc['factor']:g}, {sc['why']}) exceeds the {spec['max_seconds']:g} s cap"
                ),
            }
            per_repeat[name] = est_t
            continue
        warm = est_t is None or est_t < spec["warmup_below"]
        try:
            n_inner = calibrate(job, spec["min_repeat_seconds"]) if warm else 1
            times: list[float] = []
            spent = 0.0
            for _ in range(spec["repeats"]):
                dt, (est, t2) = time_n(job, n_inner)
                times.append(dt)
                spent += dt * n_inner
                if spent > spec["budget"]:
                    break
        except Exception as exc:
            results[name] = {
                "status": "error",
                "mode": mode,
                "reason": f"{type(exc).__name__}: {exc}",
            }
            continue
        est = np.asarray(est, dtype=float)
        t2 = np.asarray(t2, dtype=float)
        results[name] = {
            "status": "ok",
            "mode": mode,
            "times": times,
            "warmup": warm,
            "n_inner": n_inner,
            "estimate": [None if np.isnan(x) else float(x) for x in est],
            "tau2": [None if np.isnan(x) else float(x) for x in t2],
            "failures": int(np.isnan(est).sum()),
        }
        per_repeat[name] = float(np.median(times))
    return {"info": {"tool": tool_name, "version": tool.version()}, "results": results}


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
    # shorten paths: src/evisynth/..., numpy/..., scipy/...
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
        spec = json.loads(open(argv[1]).read())
        with open(argv[3], "w") as fh:
            fh.write(profile(spec, argv[2]))
        return 0
    tool_name, spec_path, out_path = argv
    spec = json.loads(open(spec_path).read())
    out = run_tool(tool_name, spec)
    with open(out_path, "w") as fh:
        json.dump(out, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
