"""One strategy of a partitioned-survival model: its curves, costs and utilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evisynth.econ.curves import Curve, as_curve
from evisynth.econ.params import Param, as_param
from evisynth.errors import InputError

__all__ = ["AdverseEvent", "Arm", "SubsequentTherapy"]

#: Lowest utility accepted: the worst EQ-5D-3L state on the UK tariff is -0.594
#: (Dolan 1997); a value below -0.6 is almost surely a typing or sign error.
UTILITY_MIN = -0.6
STATES = ("pf", "pd")


def _w(p: Param, arm: str, what: str) -> str:
    s = f"arm {arm!r}, {what}"
    if p.name and p.name != what:
        s += f" (input {p.name!r}"
        s += f", {p.file or 'TOML'} line {p.line})" if p.line is not None else ")"
    elif p.line is not None:
        s += f" ({p.file or 'TOML'} line {p.line})"
    return s


def _components(value: Any, what: str) -> tuple[tuple[str, Param], ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        return tuple((str(k), as_param(v, f"{what}: {k}")) for k, v in value.items())
    return ((what, as_param(value, what)),)


def _one_offs(value: Any) -> tuple[tuple[str, Param | None, Param], ...]:
    """One-off costs: ``{label: cost}`` or ``{label: (share, cost)}`` (share of patients)."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        return (("one-off cost", None, as_param(value, "one-off cost")),)
    out: list[tuple[str, Param | None, Param]] = []
    for k, v in value.items():
        if isinstance(v, tuple | list) and len(v) == 2:
            out.append((str(k), as_param(v[0], f"{k} share"), as_param(v[1], f"{k} cost")))
        else:
            out.append((str(k), None, as_param(v, str(k))))
    return tuple(out)


def _cost_sum(value: Any, what: str) -> tuple[Param, ...]:
    if isinstance(value, tuple | list):
        if not value:
            raise InputError(f"{what}: give at least one cost", where=what)
        return tuple(as_param(v, what) for v in value)
    return (as_param(value, what),)


@dataclass(frozen=True, eq=False)
class AdverseEvent:
    """An adverse event charged once at the start: ``rate`` x ``cost``, and a QALY loss
    ``rate x |disutility| x duration`` (``disutility`` is the utility decrement, <= 0;
    ``duration`` in years).

    Examples
    --------
    >>> AdverseEvent("grade>=3 event", rate=0.1, cost=1000.0).rate.value
    0.1
    """

    name: str
    rate: Param
    cost: Param
    disutility: Param
    duration: Param

    def __init__(self, name: str, rate: float | Param, cost: float | Param = 0.0,
                 disutility: float | Param = 0.0, duration: float | Param = 0.0) -> None:
        object.__setattr__(self, "name", str(name))
        object.__setattr__(self, "rate", as_param(rate, f"{name} rate"))
        object.__setattr__(self, "cost", as_param(cost, f"{name} cost"))
        object.__setattr__(self, "disutility", as_param(disutility, f"{name} disutility"))
        object.__setattr__(self, "duration", as_param(duration, f"{name} duration"))


@dataclass(frozen=True, eq=False)
class SubsequentTherapy:
    """A treatment received after progression by ``share`` of the arm's patients, costing
    ``cost`` each (several costs are summed), timed like the arm's PFS events within the
    horizon.

    Examples
    --------
    >>> SubsequentTherapy("later therapy", share=0.5, cost=100.0).share.value
    0.5
    """

    name: str
    share: Param
    costs: tuple[Param, ...]

    def __init__(self, name: str, share: float | Param,
                 cost: float | Param | Sequence[float | Param]) -> None:
        object.__setattr__(self, "name", str(name))
        object.__setattr__(self, "share", as_param(share, f"{name} share"))
        object.__setattr__(self, "costs", _cost_sum(cost, f"{name} cost"))


class Arm:
    """One strategy: PFS (or EFS) and OS curves, costs, utilities.

    Parameters
    ----------
    pfs, os
        Curves (anything :func:`~evisynth.econ.curves.as_curve` accepts; times in years).
    one_off_cost
        Costs paid once at time 0, undiscounted: a number/:class:`Param`, or a mapping
        ``{label: value}`` (acquisition, leukapheresis, bridging, conditioning, ...);
        a value ``(share, cost)`` charges ``cost`` to a ``share`` of the patients.
    state_costs
        Cost per year in state: ``{"pf": ..., "pd": ...}``; each a value or ``{label: value}``.
    utilities
        Utility per year in state: ``{"pf": ..., "pd": ...}``, each in [-0.6, 1].
    adverse_events
        :class:`AdverseEvent` items (charged at time 0).
    subsequent
        :class:`SubsequentTherapy` items (charged at progression).
    terminal_cost
        Cost at death (within the horizon), discounted at the time of death.

    Raises
    ------
    InputError
        Negative costs, utilities outside [-0.6, 1], rates or shares outside [0, 1],
        positive disutilities, negative durations, unknown states.

    Examples
    --------
    >>> from evisynth.econ.curves import parametric_curve
    >>> a = Arm(pfs=parametric_curve("exponential", rate=0.5),
    ...         os=parametric_curve("exponential", rate=0.2),
    ...         state_costs={"pf": 1000.0, "pd": 5000.0}, utilities={"pf": 0.8, "pd": 0.5})
    >>> a.utilities["pf"].value
    0.8
    """

    def __init__(
        self,
        pfs: Any,
        os: Any,
        *,
        one_off_cost: Any = None,
        state_costs: Mapping[str, Any] | None = None,
        utilities: Mapping[str, Any] | None = None,
        adverse_events: Sequence[AdverseEvent] = (),
        subsequent: Sequence[SubsequentTherapy] = (),
        terminal_cost: float | Param = 0.0,
        name: str = "arm",
    ) -> None:
        self.name = name
        self.pfs: Curve = as_curve(pfs, name=f"arm {name!r}, pfs")
        self.os: Curve = as_curve(os, name=f"arm {name!r}, os")
        self.one_off = _one_offs(one_off_cost)
        sc = dict(state_costs or {})
        ut = dict(utilities or {})
        for what, d in (("state_costs", sc), ("utilities", ut)):
            bad = set(d) - set(STATES)
            if bad:
                raise InputError(
                    f"arm {name!r}, {what}: unknown state {sorted(bad)[0]!r}; the states are "
                    "'pf' (progression- or event-free) and 'pd' (progressed)",
                    where=what,
                )
        self.state_costs = {s: _components(sc.get(s, 0.0), f"{s} cost per year") for s in STATES}
        self.utilities = {s: as_param(ut.get(s, 0.0), f"utility {s}") for s in STATES}
        self.adverse_events = tuple(adverse_events)
        self.subsequent = tuple(subsequent)
        self.terminal_cost = as_param(terminal_cost, "terminal cost")
        self.rename(name)

    def rename(self, name: str) -> Arm:
        """Set the arm's name (done by the model) and re-check the inputs with it."""
        self.name = name
        self.check_values(self.base_values())
        return self

    # every input, in a fixed order
    def inputs(self) -> list[tuple[str, Param]]:
        out: list[tuple[str, Param]] = []
        for k, sh, p in self.one_off:
            if sh is not None:
                out.append((f"one-off: {k} share", sh))
            out.append((f"one-off: {k} cost", p))
        for s in STATES:
            out += [(f"{s} cost: {k}", p) for k, p in self.state_costs[s]]
        out += [(f"utility {s}", self.utilities[s]) for s in STATES]
        for ae in self.adverse_events:
            out += [(f"AE {ae.name}: rate", ae.rate), (f"AE {ae.name}: cost", ae.cost),
                    (f"AE {ae.name}: disutility", ae.disutility),
                    (f"AE {ae.name}: duration", ae.duration)]
        for st in self.subsequent:
            out.append((f"subsequent {st.name}: share", st.share))
            out += [(f"subsequent {st.name}: cost", c) for c in st.costs]
        out.append(("terminal cost", self.terminal_cost))
        out += [("pfs curve", p) for p in self.pfs.params()]
        out += [("os curve", p) for p in self.os.params()]
        return out

    def base_values(self) -> dict[int, float]:
        return {id(p): p.value for _, p in self.inputs()}

    def check_values(self, vals: Mapping[int, float]) -> None:
        """Raise :class:`InputError` for an input value outside its range."""
        def v(p: Param) -> float:
            return float(vals.get(id(p), p.value))

        nm = self.name
        costs: list[tuple[str, Param]] = [(f"one-off cost {k}", p) for k, _, p in self.one_off]
        for s in STATES:
            costs += [(f"{s} cost per year {k}", p) for k, p in self.state_costs[s]]
        costs += [(f"AE {ae.name} cost", ae.cost) for ae in self.adverse_events]
        costs += [(f"subsequent {st.name} cost", c) for st in self.subsequent for c in st.costs]
        costs.append(("terminal cost", self.terminal_cost))
        for what, p in costs:
            if v(p) < 0:
                raise InputError(
                    f"{_w(p, nm, what)}: cost is {v(p):g}; costs must be 0 or more",
                    where=p.name or what)
        for s in STATES:
            p = self.utilities[s]
            if not UTILITY_MIN <= v(p) <= 1:
                raise InputError(
                    f"{_w(p, nm, f'utility {s}')}: {v(p):g} is outside [-0.6, 1]; 1 is full "
                    "health and the worst EQ-5D-3L state is -0.594 (UK tariff), so a value "
                    "outside this range is a unit or sign error",
                    where=p.name or f"utility {s}")
        for ae in self.adverse_events:
            if not 0 <= v(ae.rate) <= 1:
                raise InputError(f"{_w(ae.rate, nm, f'AE {ae.name} rate')}: {v(ae.rate):g} "
                                 "must be a proportion in [0, 1]", where=ae.rate.name)
            if not -1.6 <= v(ae.disutility) <= 0:
                raise InputError(
                    f"{_w(ae.disutility, nm, f'AE {ae.name} disutility')}: "
                    f"{v(ae.disutility):g} must lie in [-1.6, 0] (a decrement, e.g. -0.23)",
                    where=ae.disutility.name)
            if v(ae.duration) < 0:
                raise InputError(f"{_w(ae.duration, nm, f'AE {ae.name} duration')}: "
                                 f"{v(ae.duration):g} years must be 0 or more",
                                 where=ae.duration.name)
        shares = [(f"subsequent {st.name} share", st.share) for st in self.subsequent]
        shares += [(f"one-off {k} share", sh) for k, sh, _ in self.one_off if sh is not None]
        for what, sh in shares:
            if not 0 <= v(sh) <= 1:
                raise InputError(f"{_w(sh, nm, what)}: {v(sh):g} must be a proportion in "
                                 "[0, 1]", where=sh.name or what)
