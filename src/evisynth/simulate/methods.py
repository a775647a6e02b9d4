"""Methods compared in a simulation: an estimator of tau² with a test, or a Bayesian analysis.

A method is given as a pair ``("REML", "knha")``, a string ``"REML-knha"`` or a
:class:`Method`. Frequentist methods are any estimator of
:data:`evisynth.engine.METHODS` with any test of :data:`evisynth.engine.TESTS`
(``"adhoc"`` is the Knapp–Hartung interval with the ad hoc ``max(1, q)``
correction). Every method is applied to the same generated data (common random
numbers), through the batched engine.

Each method family has a *fitter*: a function ``(method, Y, V, level) ->
MethodFit`` on study-major ``(k, n)`` arrays. New families register one with
:func:`register_family`; a method whose estimator names a registered family
(e.g. ``"bayes"``) uses it, with its second element as the family's option
(e.g. the prior).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evisynth.engine import METHODS, TESTS
from evisynth.engine.intercept import fit_intercept
from evisynth.errors import InputError

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Method:
    """One method of a simulation study.

    Attributes
    ----------
    estimator
        tau² estimator (``"REML"``, ``"DL"``, ...) or the name of a registered
        family (``"bayes"``).
    test
        Test / interval of a frequentist method (``"z"``, ``"t"``, ``"knha"``,
        ``"adhoc"``), or the text of the family's option (the prior of a
        Bayesian method, e.g. ``"halfnormal:0.5"``).
    option
        The family's option as an object (e.g. the prior), built by the family's
        checker; ``None`` for frequentist methods.
    """

    estimator: str
    test: str = "z"
    option: Any = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """``"REML-knha"``; ``"bayes(halfnormal(0.5))"`` for a family method."""
        if self.estimator in _FAMILIES:
            return f"{self.estimator}({self.test})"
        return f"{self.estimator}-{self.test}"


@dataclass(frozen=True)
class MethodFit:
    """What a fitter returns for ``n`` meta-analyses (each array ``(n,)``)."""

    estimate: Array
    ci_lb: Array
    ci_ub: Array
    tau2: Array
    converged: NDArray[np.bool_]


Fitter = Callable[[Method, Array, Array, float], MethodFit]
Checker = Callable[[Any], tuple[str, Any]]
#: Method families beyond the frequentist estimator x test grid: name -> (fitter, checker).
_FAMILIES: dict[str, tuple[Fitter, Checker]] = {}


def register_family(name: str, fitter: Fitter, check: Checker) -> None:
    """Make ``(name, option)`` a valid method.

    ``check(option)`` validates the option given by the user (text or object),
    raising :class:`~evisynth.errors.InputError`, and returns its text (used in
    the method's label) and the object the fitter uses.
    """
    _FAMILIES[name] = (fitter, check)


def parse_method(spec: Any) -> Method:
    """A :class:`Method` from a pair, a ``"EST-TEST"`` string or a Method.

    Raises
    ------
    InputError
        Unknown estimator, test or family option; malformed spec.

    Examples
    --------
    >>> parse_method(("reml", "KNHA")).label
    'REML-knha'
    >>> parse_method("DL-z")
    Method(estimator='DL', test='z')
    """
    if isinstance(spec, Method):
        est, test = spec.estimator, spec.test
    elif isinstance(spec, str):
        parts = spec.split("-", 1) if "(" not in spec.split("-", 1)[0] else [spec]
        if len(parts) == 2:
            est, test = parts
        elif "(" in spec and spec.endswith(")"):
            est, test = spec[: spec.index("(")], spec[spec.index("(") + 1 : -1]
        else:
            raise InputError(
                f"method {spec!r}: expected 'ESTIMATOR-TEST' such as 'REML-knha', or a pair "
                "such as ('REML', 'knha')",
                where="methods",
            )
    elif isinstance(spec, Sequence) and len(spec) == 2 and isinstance(spec[0], str):
        est, test = spec
        if not isinstance(test, str):
            fam = est.strip().lower()
            if fam not in _FAMILIES:
                raise InputError(
                    f"method {spec!r:.60}: the test must be a name such as 'knha'",
                    where="methods",
                )
            text, obj = _FAMILIES[fam][1](test)
            return Method(fam, text, obj)
    else:
        raise InputError(
            f"method {spec!r:.60}: expected a pair such as ('REML', 'knha') or a string "
            "such as 'REML-knha'",
            where="methods",
        )
    est, test = est.strip(), test.strip()
    fam = est.lower()
    if fam in _FAMILIES:
        if isinstance(spec, Method) and spec.option is not None:
            return spec
        text, obj = _FAMILIES[fam][1](test)
        return Method(fam, text, obj)
    e = next((m for m in METHODS if m.upper() == est.upper()), None)
    if e is None:
        names = ", ".join((*METHODS, *sorted(_FAMILIES)))
        raise InputError(
            f"method {spec!r:.60}: unknown estimator {est!r}; use one of {names}",
            where="methods",
        )
    t = next((x for x in TESTS if x == test.lower()), None)
    if t is None:
        raise InputError(
            f"method {spec!r:.60}: unknown test {test!r}; use one of {', '.join(TESTS)}",
            where="methods",
        )
    return Method(e, t)


def parse_methods(specs: Any) -> tuple[Method, ...]:
    """Methods from a list of specs (a single spec is accepted too); duplicates are dropped."""
    if isinstance(specs, Method | str) or (
        isinstance(specs, tuple) and len(specs) == 2 and isinstance(specs[0], str)
    ):
        specs = [specs]
    try:
        items = list(specs)
    except TypeError:
        raise InputError(
            f"argument 'methods': expected a list of methods, got {type(specs).__name__}",
            where="methods",
        ) from None
    if not items:
        raise InputError("argument 'methods': empty; give at least one method", where="methods")
    out: list[Method] = []
    for s in items:
        m = parse_method(s)
        if m not in out:
            out.append(m)
    return tuple(out)


def fit_method(method: Method, Y: Array, V: Array, level: float) -> MethodFit:
    """Apply ``method`` to the study-major data ``Y, V`` ``(k, n)``."""
    if method.estimator in _FAMILIES:
        return _FAMILIES[method.estimator][0](method, Y, V, level)
    f = fit_intercept(Y.T, V.T, method.estimator, method.test, level, with_pval=False)
    return MethodFit(f.estimate, f.ci_lb, f.ci_ub, f.tau2, f.converged)
