"""The ``[arms]`` tables of a model file: curves, costs, utilities, events, later therapies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evisynth.econ.arm import AdverseEvent, Arm, SubsequentTherapy
from evisynth.econ.curves import Curve
from evisynth.econ.modelfile._context import _Doc, _named
from evisynth.errors import InputError

_ARM_KEYS = {"pfs", "os", "one_off", "state_costs", "utilities", "terminal_cost",
             "adverse_events", "subsequent", "label"}


def read_arms(ctx: _Doc, doc: Mapping[str, Any], curves: Mapping[str, Curve]) -> dict[str, Arm]:
    """Every ``[arms.<name>]`` table as an :class:`Arm`."""
    arms: dict[str, Arm] = {}
    for aname, spec in ctx.table(doc.get("arms", {}), "arms").items():
        spec = ctx.table(spec, "arms", aname)
        ctx.known(spec, _ARM_KEYS, f"arm {aname!r}", "arms", aname)
        cv = {}
        for which in ("pfs", "os"):
            c: Any = spec.get(which)
            if not _named(c, curves):
                raise ctx.err(f"arm {aname!r}: {which} = {c!r} is not a curve in [curves]",
                              "arms", aname, which)
            cv[which] = curves[c]
        one_off: dict[str, Any] = {}
        for k, v in ctx.table(spec.get("one_off", {}), "arms", aname, "one_off").items():
            if isinstance(v, dict):
                if set(v) != {"share", "cost"}:
                    raise ctx.err(f"arm {aname!r}, one_off {k!r}: give share and cost", "arms",
                                  aname, "one_off")
                one_off[k] = (ctx.ref(v["share"], f"{aname} one_off {k} share", "arms", aname,
                                      "one_off"),
                              ctx.ref(v["cost"], f"{aname} one_off {k} cost", "arms", aname,
                                      "one_off"))
            else:
                one_off[k] = ctx.ref(v, f"{aname} one_off {k}", "arms", aname, "one_off")

        def state_map(key: str, spec: dict[str, Any] = spec, aname: str = aname
                      ) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for s, v in ctx.table(spec.get(key, {}), "arms", aname, key).items():
                if isinstance(v, dict):
                    out[s] = {k2: ctx.ref(v2, f"{aname} {key} {s} {k2}", "arms", aname, key)
                              for k2, v2 in v.items()}
                else:
                    out[s] = ctx.ref(v, f"{aname} {key} {s}", "arms", aname, key)
            return out

        aes = []
        for i, ae in enumerate(spec.get("adverse_events", [])):
            pth = ("arms", aname, "adverse_events", str(i))
            ae = ctx.table(ae, *pth)
            bad = set(ae) - {"name", "rate", "cost", "disutility", "duration"}
            if bad or "rate" not in ae:
                raise ctx.err(f"arm {aname!r}, adverse event {i + 1}: needs name and rate, may "
                              "have cost, disutility, duration", *pth)
            nm = str(ae.get("name", f"AE {i + 1}"))
            aes.append(AdverseEvent(
                nm, *(ctx.ref(ae.get(k, 0.0), f"{aname} AE {nm} {k}", *pth, k)
                      for k in ("rate", "cost", "disutility", "duration"))))
        subs = []
        for i, st in enumerate(spec.get("subsequent", [])):
            pth = ("arms", aname, "subsequent", str(i))
            st = ctx.table(st, *pth)
            if set(st) - {"name", "share", "cost"} or not {"share", "cost"} <= set(st):
                raise ctx.err(f"arm {aname!r}, subsequent therapy {i + 1}: needs name, share, cost",
                              *pth)
            nm = str(st.get("name", f"therapy {i + 1}"))
            cost = st["cost"]
            costs = [ctx.ref(c, f"{aname} subsequent {nm} cost", *pth, "cost")
                     for c in (cost if isinstance(cost, list) else [cost])]
            share = ctx.ref(st["share"], f"{aname} subsequent {nm} share", *pth, "share")
            subs.append(SubsequentTherapy(nm, share, costs))
        try:
            arms[aname] = Arm(
                pfs=cv["pfs"], os=cv["os"], one_off_cost=one_off,
                state_costs=state_map("state_costs"), utilities=state_map("utilities"),
                adverse_events=aes, subsequent=subs,
                terminal_cost=ctx.ref(spec.get("terminal_cost", 0.0), f"{aname} terminal_cost",
                                      "arms", aname, "terminal_cost"),
                name=aname)
        except InputError as exc:
            msg = str(exc)
            raise InputError(msg if " line " in msg else
                             f"{ctx.fname} line {ctx.lines.line('arms', aname)}: {msg}",
                             where=exc.where) from None
    return arms
