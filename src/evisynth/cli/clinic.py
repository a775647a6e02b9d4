"""Bedside commands: ``evisynth crs``, ``evisynth icans``, ``evisynth dose``, ``evisynth schedule``.

Numbers are read as text and parsed by :mod:`evisynth._validation`, so that a bad
value becomes one ``InputError`` line and exit status 2 like every other bad input.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from evisynth._validation import number_from_text
from evisynth.cli._app import app
from evisynth.cli._io import json_text, show_path, write_atomic
from evisynth.clinic import (
    DISCLAIMER,
    follow_up_schedule,
    grade_crs,
    grade_icans,
    ice_score,
    lymphodepletion,
    tocilizumab_dose,
)
from evisynth.errors import InputError

_JSON = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _num(option: str, text: str | None) -> Any:
    # Typed Any on purpose: the API functions check int-vs-float and ranges themselves.
    return None if text is None else number_from_text(option, text)


def _print(title: str, reasons: tuple[str, ...], source: str) -> None:
    typer.echo(title)
    for r in reasons:
        typer.echo(f"  - {r}")
    typer.echo(f"Source: {source}")
    typer.echo(DISCLAIMER)


def _print_json(d: dict[str, Any]) -> None:
    typer.echo(json_text({**d, "disclaimer": DISCLAIMER}, ensure_ascii=False))


@app.command()
def crs(
    temperature: Annotated[
        str | None, typer.Option("--temperature", "-t", help="Highest temperature in °C.")
    ] = None,
    fever_masked: Annotated[
        bool,
        typer.Option("--fever-masked", help="Fever abolished by antipyretics/anti-cytokines."),
    ] = False,
    hypotension: Annotated[
        bool, typer.Option("--hypotension", help="Hypotension not needing vasopressors.")
    ] = False,
    vasopressors: Annotated[
        str, typer.Option("--vasopressors", help="Number of vasopressors, not vasopressin.")
    ] = "0",
    vasopressin: Annotated[
        bool, typer.Option("--vasopressin", help="Vasopressin also given (never counted).")
    ] = False,
    oxygen: Annotated[
        str,
        typer.Option(
            "--oxygen",
            help="none, nasal_cannula, blow_by, facemask, non_rebreather, venturi, "
            "high_flow_nasal_cannula, cpap, bipap, mechanical_ventilation.",
        ),
    ] = "none",
    flow: Annotated[
        str | None, typer.Option("--flow", help="Oxygen flow in L/min (nasal cannula).")
    ] = None,
    as_json: _JSON = False,
) -> None:
    """Grade cytokine release syndrome (ASTCT 2019)."""
    result = grade_crs(
        temperature_c=_num("--temperature", temperature),
        fever_masked=fever_masked,
        hypotension=hypotension,
        vasopressors=_num("--vasopressors", vasopressors),
        oxygen=oxygen,
        oxygen_flow_l_min=_num("--flow", flow),
        vasopressin=vasopressin,
    )
    if as_json:
        _print_json(result.to_dict())
        return
    _print(f"CRS grade {result.grade} (ASTCT 2019)", result.reasons, result.source)


def _ice_from_items(text: str) -> int:
    parts = [p.strip() for p in text.split(",")]
    names = ("orientation", "naming", "commands", "writing", "attention")
    if len(parts) != len(names):
        raise InputError(
            f"option --ice-items: {text!r} has {len(parts)} values; give 5 comma-separated "
            "points: orientation (0-4), naming (0-3), commands, writing, attention (0-1 each)",
            where="--ice-items",
        )
    values = {n: _num(f"--ice-items ({n})", p) for n, p in zip(names, parts, strict=True)}
    return ice_score(**values)


@app.command()
def icans(
    ice: Annotated[str | None, typer.Option("--ice", help="ICE score 0-10.")] = None,
    ice_items: Annotated[
        str | None,
        typer.Option(
            "--ice-items",
            help="ICE items as 'orientation,naming,commands,writing,attention', e.g. 4,3,1,1,1.",
        ),
    ] = None,
    consciousness: Annotated[
        str,
        typer.Option(
            "--consciousness",
            help="awake, awakens_spontaneously, awakens_to_voice, awakens_to_tactile, "
            "unarousable.",
        ),
    ] = "awake",
    seizure: Annotated[
        str,
        typer.Option(
            "--seizure",
            help="none, resolves_rapidly, nonconvulsive_resolves_with_intervention, "
            "prolonged_or_repetitive.",
        ),
    ] = "none",
    motor: Annotated[str, typer.Option("--motor", help="none, deep_focal_weakness.")] = "none",
    cerebral_edema: Annotated[
        str,
        typer.Option(
            "--cerebral-edema",
            help="none, focal_local, diffuse_or_posturing_or_cn6_palsy_or_papilledema_or_cushing.",
        ),
    ] = "none",
    as_json: _JSON = False,
) -> None:
    """Grade ICANS in adults (ASTCT 2019)."""
    if ice is not None and ice_items is not None:
        raise InputError("options --ice and --ice-items: give one or the other", where="--ice")
    score = _ice_from_items(ice_items) if ice_items is not None else _num("--ice", ice)
    result = grade_icans(
        ice=score,
        consciousness=consciousness,
        seizure=seizure,
        motor=motor,
        cerebral_edema=cerebral_edema,
    )
    if as_json:
        _print_json(result.to_dict())
        return
    ice_txt = "" if score is None else f", ICE score {score}"
    _print(f"ICANS grade {result.grade} (ASTCT 2019{ice_txt})", result.reasons, result.source)


@app.command()
def dose(
    what: Annotated[
        str,
        typer.Argument(
            help="A product (axicabtagene ciloleucel / Yescarta / axi-cel, "
            "lisocabtagene maraleucel / Breyanzi / liso-cel, tisagenlecleucel / Kymriah / "
            "tisa-cel) for lymphodepletion, or 'tocilizumab'.",
        ),
    ],
    height: Annotated[str | None, typer.Option("--height", help="Height in cm.")] = None,
    weight: Annotated[str | None, typer.Option("--weight", help="Weight in kg.")] = None,
    formula: Annotated[str, typer.Option("--formula", help="mosteller or dubois.")] = "mosteller",
    bsa_cap: Annotated[
        str | None, typer.Option("--bsa-cap", help="Institutional BSA cap in m² (default none).")
    ] = None,
    bendamustine: Annotated[
        bool, typer.Option("--bendamustine", help="Kymriah bendamustine alternative.")
    ] = False,
    doses_given: Annotated[
        str, typer.Option("--doses-given", help="Tocilizumab doses already given.")
    ] = "0",
    doses_last_24h: Annotated[
        str, typer.Option("--doses-last-24h", help="Of those, doses in the last 24 h.")
    ] = "0",
    hours_since_last: Annotated[
        str | None, typer.Option("--hours-since-last", help="Hours since the last dose.")
    ] = None,
    as_json: _JSON = False,
) -> None:
    """Lymphodepletion doses per US label, or the tocilizumab dose for CRS."""
    if weight is None:
        raise InputError("option --weight: required (body weight in kg)", where="--weight")
    w = _num("--weight", weight)
    if what.strip().lower() == "tocilizumab":
        t = tocilizumab_dose(
            w,
            doses_given=_num("--doses-given", doses_given),
            doses_last_24h=_num("--doses-last-24h", doses_last_24h),
            hours_since_last_dose=_num("--hours-since-last", hours_since_last),
        )
        if as_json:
            _print_json(t.to_dict())
            return
        now = "may be given now" if t.may_give_now else "NOT to be given now"
        _print(f"Tocilizumab {t.dose_mg:g} mg IV ({now})", t.reasons, t.source)
        return
    if height is None:
        raise InputError(
            "option --height: required for lymphodepletion dosing (height in cm)",
            where="--height",
        )
    plan = lymphodepletion(
        what,
        _num("--height", height),
        w,
        formula=formula,
        bsa_cap_m2=_num("--bsa-cap", bsa_cap),
        bendamustine=bendamustine,
    )
    if as_json:
        _print_json(plan.to_dict())
        return
    typer.echo(
        f"Lymphodepletion for {plan.brand} ({plan.product}), BSA {plan.bsa_m2:.2f} m²"
    )
    for d in plan.drugs:
        days = ", ".join(str(x) for x in d.days)
        window = "" if d.days == d.days_earliest else (
            f" (earliest: {', '.join(str(x) for x in d.days_earliest)})"
        )
        typer.echo(
            f"  {d.drug}: {d.mg_per_m2_per_day:g} mg/m²/day = {d.daily_dose_mg:.1f} mg/day "
            f"x {d.n_days} days, days {days}{window}"
        )
    typer.echo(f"  CAR-T cell dose: {plan.cell_dose}")
    _print("Reasons:", plan.reasons, plan.source)


@app.command()
def schedule(
    infusion_date: Annotated[str, typer.Argument(help="Infusion date (day 0), YYYY-MM-DD.")],
    product: Annotated[str, typer.Argument(help="CAR-T product (generic, brand or short).")],
    trial: Annotated[
        str | None, typer.Option("--trial", help="ZUMA-7, TRANSFORM or BELINDA.")
    ] = None,
    randomised: Annotated[
        str | None, typer.Option("--randomised", help="Randomisation date (with --trial).")
    ] = None,
    ics: Annotated[
        Path | None, typer.Option("--ics", help="Also write the plan as an iCalendar file.")
    ] = None,
    as_json: _JSON = False,
) -> None:
    """Dated follow-up plan after CAR-T infusion (labels since June 2025)."""
    plan = follow_up_schedule(infusion_date, product, trial, randomisation_date=randomised)
    if ics is not None:
        if not Path(os.path.abspath(ics)).parent.is_dir():
            raise InputError(f"--ics {show_path(ics)}: the folder does not exist", where="--ics")
        write_atomic(ics, plan.to_ical())
    if as_json:
        _print_json(plan.to_dict())
        return
    typer.echo(f"Follow-up after {plan.product} infused on {plan.infusion_date}")
    for e in plan.events:
        when = str(e.start) if e.start == e.end else f"{e.start} to {e.end}"
        typer.echo(f"  {when} (day {e.day_from}..{e.day_to}): {e.title} [{e.confidence}]")
    for n in plan.notes:
        typer.echo(f"  note: {n}")
    if ics is not None:
        typer.echo(f"Wrote {ics}")
    typer.echo(DISCLAIMER)
