"""Bit-identity of engine outputs between two source trees (a refactor must not change numbers).

Run from the repository root::

    git archive BASE src | tar -x -C /tmp/base
    .venv/bin/python bench/engine_identity.py /tmp/base/src $PWD/src

Each tree, in its own process, computes a fixed suite: ``fit_intercept`` for every
estimator and test on random batches (k = 2 to 10, variances over 2 to 6 orders of
magnitude, smallest variances at exact powers of 2, near 1e-290 and 1e290, equal
estimates, one dominant weight), the intercept path's scoring with other ``tol`` and
``maxiter``, ``fit_batch`` with moderators and masks, warm-started ``estimate_tau2``,
and ``rma``, ``leave_one_out`` and meta-regression. Printed: how many arrays and
values were compared and which arrays differ in any bit. Not a test (it needs two
source trees); see bench/RESULTS-engine.md.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

SUITE = r"""
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")
import evisynth as ev  # noqa: E402
from evisynth.engine import METHODS, TESTS, estimate_tau2, fit_batch, make_batch  # noqa: E402
from evisynth.engine.intercept import _scoring, fit_intercept  # noqa: E402

out: dict[str, np.ndarray] = {}


def batch(seed, B, k, spread=200.0, base=0.005):
    rng = np.random.default_rng(seed)
    V = base * np.exp(rng.uniform(0.0, np.log(spread), (k, B)))
    tau2 = np.where(rng.random(B) < 0.3, 0.0, rng.uniform(0, 0.5, B)) * base / 0.005
    Y = rng.normal(0.3, np.sqrt(V + tau2))
    return Y, V


cases = []
for k in (2, 3, 5, 10):
    for spread in (200.0, 1e6):
        cases.append((f"k{k}s{spread:g}", *batch(k * 7 + int(spread), 2000, k, spread)))
# members whose smallest variance is an exact power of 2 (the rescaling rule's edge)
Y, V = batch(99, 600, 5)
V = V / V.min(axis=0) * np.ldexp(1.0, np.arange(600) % 13 - 6)
cases.append(("pow2", Y * np.sqrt(np.ldexp(1.0, np.arange(600) % 13 - 6)), V))
cases.append(("tiny", *batch(5, 500, 4, 50.0, base=1e-290)))
cases.append(("huge", *batch(6, 500, 4, 50.0, base=1e290)))
# degenerate: equal y (tau2 = 0), one dominant weight
Y, V = batch(7, 400, 6)
Y[:, :100] = 0.25
V[0, 100:200] = 1e-9
cases.append(("degen", Y, V))

for name, Y, V in cases:
    for method in METHODS:
        for test in TESTS:
            f = fit_intercept(Y.T, V.T, method, test)
            for fld in ("estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "converged",
                        "iterations"):
                out[f"I/{name}/{method}/{test}/{fld}"] = np.asarray(getattr(f, fld))
        for tol, mi in ((1e-10, 1000), (1e-5, 100), (1e-12, 7)):
            if method in ("ML", "REML", "EB"):
                t, c, i = _scoring(method, Y, V, tol, mi)
                out[f"S/{name}/{method}/{tol}/{mi}"] = np.concatenate([t, c, i])
        Bsub = min(Y.shape[1], 400)
        g = fit_batch(make_batch(Y[:, :Bsub].T, V[:, :Bsub].T), method, "knha")
        for fld in ("beta", "se", "ci_lb", "tau2", "converged", "iterations", "I2", "QE"):
            out[f"B/{name}/{method}/{fld}"] = np.asarray(getattr(g, fld))

# general path: masks, moderators, warm starts
rng = np.random.default_rng(3)
for p in (2, 3):
    for k in (5, 12, 40):
        B = 300
        X = np.concatenate([np.ones((B, k, 1)), rng.normal(size=(B, k, p - 1))], axis=2)
        V = 0.01 * np.exp(rng.uniform(0, np.log(1e4), (B, k)))
        Y = X[:, :, 1] * 0.3 + rng.normal(0, np.sqrt(V + rng.uniform(0, 0.3, (B, 1))))
        M = rng.random((B, k)) > 0.15
        M[:, : p + 2] = True
        b = make_batch(Y, V, X, M)
        for method in METHODS:
            for test in TESTS:
                g = fit_batch(b, method, test)
                for fld in ("beta", "se", "pval", "ci_lb", "tau2", "converged", "iterations",
                            "I2", "H2", "QE"):
                    out[f"G/{p}/{k}/{method}/{test}/{fld}"] = np.asarray(getattr(g, fld))
            e = estimate_tau2(b, method, tau2_init=np.full(B, 0.05), tol=1e-8, maxiter=50)
            out[f"W/{p}/{k}/{method}"] = np.concatenate([e.tau2, e.converged, e.iterations])

# user-facing: rma, leave-one-out (uses intercept._scoring), metareg
rng = np.random.default_rng(4)
for k in (8, 30, 120):
    y = rng.normal(0, 0.5, k)
    v = rng.uniform(0.01, 0.3, k)
    x = rng.normal(size=k)
    for method in ("REML", "ML", "EB", "PM", "DL"):
        r = ev.rma(yi=y, vi=v, method=method, test="knha")
        out[f"R/{k}/{method}"] = np.array([r.estimate, r.se, r.tau2, r.ci_lb, r.pi_ub])
        lo = ev.leave_one_out(r)
        out[f"L/{k}/{method}"] = np.concatenate([np.asarray(lo.estimate), np.asarray(lo.tau2)])
        m = ev.rma(yi=y, vi=v, mods=x, method=method)
        out[f"M/{k}/{method}"] = np.concatenate([np.ravel(m.estimate), [m.tau2]])

np.savez(sys.argv[1], **out)
"""


def dump(src: str, path: Path) -> None:
    subprocess.run([sys.executable, "-c", SUITE, str(path)], check=True,
                   env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"})


def main() -> int:
    import numpy as np

    old, new = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pa, pb = Path(tmp) / "old.npz", Path(tmp) / "new.npz"
        dump(old, pa)
        dump(new, pb)
        a, b = np.load(pa), np.load(pb)
        if set(a.files) != set(b.files):
            print("different sets of outputs:", sorted(set(a.files) ^ set(b.files)))
            return 1
        bad = [f for f in a.files if a[f].dtype != b[f].dtype
               or not np.array_equal(a[f], b[f], equal_nan=True)]
        n = sum(a[f].size for f in a.files)
        print(f"{len(a.files)} arrays, {n} values compared; arrays differing in any bit: "
              f"{len(bad)}")
        for f in bad[:30]:
            print("  ", f, int((a[f] != b[f]).sum()), "of", a[f].size)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
