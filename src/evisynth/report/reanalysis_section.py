"""Trials reanalysed from digitised Kaplan–Meier curves (reconstructed patient data)."""

from __future__ import annotations

from collections.abc import Iterator

from evisynth.plots._io import to_svg
from evisynth.plots.survival import km_figure
from evisynth.report.blocks import Block, Figure, Para, Table
from evisynth.report.wording import (
    VERIFICATION_SHORT,
    _h,
    _p,
)
from evisynth.review.analyse import (
    ReviewResults,
)

__all__ = ["reanalyses"]


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}g}"


def reanalyses(res: ReviewResults) -> Iterator[Block]:
    if not res.reanalyses:
        return
    yield _h(1, "Trials reanalysed from published curves")
    yield Para("Patient-level data are reconstructed from each arm's digitised Kaplan–Meier "
               "curve with the numbers at risk and total events the source gives (Guyot et "
               "al., BMC Med Res Methodol 2012), then analysed as if they were the trial's "
               "data: Kaplan–Meier, log-rank, Cox hazard ratio (Efron ties), landmark "
               "survival and restricted mean survival time (Greenwood-type variance).")
    for ra in res.reanalyses:
        spec, c = ra.spec, ra.comparison
        unit = spec.time_unit
        yield _h(2, spec.label)
        if spec.synthetic:
            yield Para("SYNTHETIC EXAMPLE: every number in this section comes from a "
                       "simulated trial, not from patients or a publication.", kind="note")
        if spec.note:
            yield Para(spec.note, kind="small")
        fig = km_figure(c, title=spec.label, xlabel=f"Time ({unit})")
        yield Figure(to_svg(fig), f"Kaplan–Meier curves of the reconstructed data, {spec.label}; "
                     "shaded: pointwise 95% confidence bands.", f"km-{spec.key}")
        d = c.to_dict()
        rows: list[tuple[str, ...]] = []
        for arm, info in d["arms"].items():
            m = info["median"]
            med = ("not reached" if m["median"] is None else
                   f"{_fmt(m['median'])} ({_fmt(m['lower']) if m['lower'] is not None else 'NR'}"
                   f" to {_fmt(m['upper']) if m['upper'] is not None else 'NR'}) {unit}")
            rows.append((f"Median, {arm}", med))
        for lm in d["landmarks"]:
            t = lm["time"]
            ref, exp = lm["reference"], lm["experimental"]
            rows.append((f"S({t:g} {unit})",
                         f"{d['experimental']} {100 * exp['survival']:.1f}% vs {d['reference']} "
                         f"{100 * ref['survival']:.1f}%; difference "
                         f"{100 * lm['difference']:+.1f} points ({100 * lm['lower']:+.1f} to "
                         f"{100 * lm['upper']:+.1f}), {_p(lm['pval'])}"))
        lr, cox = d["logrank"], d["cox"]
        rows.append(("Log-rank test", f"chi² = {lr['chisq']:.2f}, df = {lr['df']}, "
                                      f"{_p(lr['pval'])}"))
        rows.append((f"Cox hazard ratio ({d['experimental']} vs {d['reference']})",
                     f"{cox['hr']:.2f} ({cox['hr_lower']:.2f} to {cox['hr_upper']:.2f}), "
                     f"{_p(cox['pval'])}"))
        ph = d["ph_test"]
        rows.append(("Proportional hazards (cox.zph)", f"chi² = {ph['chisq'][-1]:.2f}, "
                                                       f"{_p(ph['pval'][-1])}"))
        if d.get("rmst"):
            rm = d["rmst"]
            rows.append((f"RMST to {rm['tau']:g} {unit}",
                         f"{rm['experimental']['rmst']:.2f} vs {rm['reference']['rmst']:.2f}; "
                         f"difference {rm['difference']:+.2f} ({rm['lower']:+.2f} to "
                         f"{rm['upper']:+.2f}) {unit}, {_p(rm['pval'])}"))
        yield Table(("Quantity", "Result"), tuple(rows), caption="Reanalysis")
        diag_rows = []
        for arm, rec in ra.reconstructions:
            g = rec.diagnostics.to_dict()
            src = next(a for a in spec.arms if a.arm == arm)
            diag_rows.append((arm, rec.case, str(g["n_patients"]), str(g["n_events"]),
                              f"{g['curve_max_abs_error']:.4f}",
                              str(g.get("at_risk_max_abs_diff", "—")),
                              f"{src.source} — {src.location} "
                              f"({VERIFICATION_SHORT[src.verification]})"))
        yield Table(("Arm", "Inputs used", "Patients", "Events", "Max |ΔS(t)| vs curve",
                     "Max |Δ at risk|", "Source"), tuple(diag_rows),
                    caption="Reconstruction diagnostics and sources")
