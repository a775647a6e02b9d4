"""Check a patient against the key eligibility criteria of the second-line CAR-T RCTs.

Trials: ZUMA-7 (axi-cel; Locke NEJM 2022), TRANSFORM (liso-cel; Kamdar Lancet 2022),
BELINDA (tisa-cel; Bishop NEJM 2022). Criteria and confidence marks from
``data/clinic/clinical-protocol.md`` section 5 (cross-trial tables in PMC9542944
Table 1 and ASH-SAP; registry copies of NCT03391466 and NCT03570892). Only the criteria
the notes list are encoded; the full protocols have many more, so "eligible" here
means "meets every encoded criterion", never "may be enrolled".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from evisynth._validation import check_bool, check_choice, check_int, check_number
from evisynth.clinic._result import plain
from evisynth.clinic._sources import BELINDA, LUGANO_2014, TRANSFORM, ZUMA7
from evisynth.errors import InputError

__all__ = ["PATIENT_FIELDS", "TRIALS", "Criterion", "EligibilityResult", "check_eligibility"]

TRIALS: tuple[str, ...] = ("ZUMA-7", "TRANSFORM", "BELINDA")
STATUSES: tuple[str, ...] = ("met", "not_met", "unknown")
RESPONSES: tuple[str, ...] = ("CR", "PR", "SD", "PD")

Check = Callable[[str, Any], Any]


def _num(lo: float, hi: float, unit: str = "") -> Check:
    return lambda name, v: check_number(name, v, lo=lo, hi=hi, unit=unit)


def _int(lo: int, hi: int) -> Check:
    return lambda name, v: check_int(name, v, lo=lo, hi=hi)


def _response(name: str, v: Any) -> str:
    return check_choice(name, v, RESPONSES)


#: Patient fields understood by :func:`check_eligibility` and their checks. A missing
#: field or ``None`` means "not known" and makes dependent criteria ``unknown``.
PATIENT_FIELDS: dict[str, tuple[Check, str]] = {
    "age_years": (_num(0, 120, "years"), "age in years"),
    "ecog": (_int(0, 5), "ECOG performance status 0-5"),
    "prior_lines": (_int(0, 20), "number of prior lines of therapy"),
    "prior_anti_cd20": (check_bool, "first line included an anti-CD20 antibody"),
    "prior_anthracycline": (check_bool, "first line included an anthracycline"),
    "best_response_1l": (_response, "best response to first line: CR, PR, SD or PD"),
    "cycles_1l": (_int(0, 50), "cycles of first-line therapy received"),
    "biopsy_proven": (check_bool, "residual or relapsed disease proven by biopsy"),
    "relapse_months_after_1l": (
        _num(0, 600, "months"), "months from end of first line to relapse or progression"
    ),
    "relapse_days_after_1l_last_dose": (
        _num(0, 20000, "days"), "days from the last first-line dose to relapse"
    ),
    "transplant_eligible": (check_bool, "candidate for high-dose therapy and auto-HSCT"),
    "transplant_intent": (check_bool, "intent to proceed to high-dose therapy and auto-HSCT"),
    "cns_involvement": (check_bool, "known CNS involvement by lymphoma"),
    "anc_per_ul": (_num(0, 1e6, "/µL"), "absolute neutrophil count per µL"),
    "platelets_per_ul": (_num(0, 5e6, "/µL"), "platelet count per µL"),
    "pet_positive": (check_bool, "PET-positive disease (Lugano 2014)"),
    "deauville": (_int(1, 5), "Deauville 5-point score"),
    "ct_measurable": (check_bool, "measurable disease on CT"),
}


@dataclass(frozen=True)
class Criterion:
    """One eligibility criterion evaluated for one patient.

    Attributes
    ----------
    name
        Short name of the criterion.
    status
        ``met``, ``not_met`` or ``unknown`` (a needed field was not given).
    reason
        Why, in words, naming the patient values used or the fields missing.
    confidence
        ``V`` (read in a primary source) or ``S`` (secondary summary only).
    """

    name: str
    status: str
    reason: str
    confidence: str


@dataclass(frozen=True)
class EligibilityResult:
    """Eligibility of one patient for one trial, criterion by criterion.

    Attributes
    ----------
    trial
        ``ZUMA-7``, ``TRANSFORM`` or ``BELINDA``.
    status
        ``eligible`` (every encoded criterion met), ``not_eligible`` (at least one not
        met) or ``unknown`` (none failed but some could not be decided).
    criteria
        Every encoded criterion with its status and reason.
    reasons
        Summary: the failed or undecided criteria and the scope caveat.
    omitted
        Criteria of the trial deliberately not encoded, with why.
    source
        Trial citation.
    """

    trial: str
    status: str
    criteria: tuple[Criterion, ...]
    reasons: tuple[str, ...]
    omitted: tuple[str, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (nested dicts and lists), for JSON output."""
        out: dict[str, Any] = plain(self)
        return out


# Three-valued logic: True, False, or None (unknown).
def _and(*xs: bool | None) -> bool | None:
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def _or(*xs: bool | None) -> bool | None:
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def _cmp(x: float | None, ok: Callable[[float], bool]) -> bool | None:
    return None if x is None else ok(x)


def _crit(name: str, value: bool | None, detail: str, conf: str) -> Criterion:
    status = {True: "met", False: "not_met", None: "unknown"}[value]
    return Criterion(name=name, status=status, reason=detail, confidence=conf)


def _show(p: Mapping[str, Any], *keys: str) -> str:
    parts = [f"{k}=unknown" if p.get(k) is None else f"{k}={p[k]!r}" for k in keys]
    return ", ".join(parts)


def _pet_positive(p: Mapping[str, Any]) -> bool | None:
    if p.get("pet_positive") is not None:
        return bool(p["pet_positive"])
    d = p.get("deauville")
    return None if d is None else d >= 4


def _age(p: Mapping[str, Any], lo: float, hi: float | None) -> Criterion:
    a = p.get("age_years")
    ok = _cmp(a, lambda x: x >= lo and (hi is None or x <= hi))
    rng = f"{lo:g}-{hi:g}" if hi is not None else f">= {lo:g}"
    return _crit("age", ok, f"age {rng} years required; {_show(p, 'age_years')}", "V")


def _ecog(p: Mapping[str, Any]) -> Criterion:
    ok = _cmp(p.get("ecog"), lambda x: x <= 1)
    return _crit("ECOG", ok, f"ECOG 0-1 required; {_show(p, 'ecog')}", "V")


def _first_line(p: Mapping[str, Any], exactly_one: bool) -> Criterion:
    parts = [p.get("prior_anti_cd20"), p.get("prior_anthracycline")]
    keys = ["prior_anti_cd20", "prior_anthracycline"]
    need = "first line with an anti-CD20 antibody and an anthracycline"
    if exactly_one:
        parts.append(_cmp(p.get("prior_lines"), lambda x: x == 1))
        keys.insert(0, "prior_lines")
        need = "exactly one prior line, " + need
    return _crit("prior therapy", _and(*parts), f"{need}; {_show(p, *keys)}", "V")


def _zuma7_disease(p: Mapping[str, Any]) -> Criterion:
    r = p.get("best_response_1l")
    months = _cmp(p.get("relapse_months_after_1l"), lambda x: x <= 12)
    bx = p.get("biopsy_proven")
    cycles = p.get("cycles_1l")
    if r == "PD":
        ok: bool | None = True
    elif r == "SD":
        ok = _cmp(cycles, lambda x: x >= 4)
    elif r == "PR":
        ok = _and(_cmp(cycles, lambda x: x >= 6), _or(bx, months))
    elif r == "CR":
        ok = _and(months, bx)
    else:
        ok = None
    need = (
        "refractory (PD as best response; SD after >= 4 cycles; PR after >= 6 cycles with "
        "biopsy-proven residual disease or progression <= 12 months) or biopsy-proven "
        "relapse <= 12 months after first line"
    )
    shown = _show(p, "best_response_1l", "cycles_1l", "biopsy_proven", "relapse_months_after_1l")
    return _crit("refractory or early relapse", ok, f"{need}; {shown}", "V")


def _zuma7(p: Mapping[str, Any]) -> list[Criterion]:
    return [
        _age(p, 18, None),
        _ecog(p),
        _first_line(p, exactly_one=True),
        _zuma7_disease(p),
        _crit(
            "transplant intent",
            p.get("transplant_intent"),
            f"must intend to proceed to high-dose therapy and auto-HSCT; "
            f"{_show(p, 'transplant_intent')}",
            "V",
        ),
        _crit(
            "no CNS involvement",
            None if p.get("cns_involvement") is None else not p["cns_involvement"],
            f"no known CNS involvement; {_show(p, 'cns_involvement')}",
            "V",
        ),
        _crit(
            "neutrophils",
            _cmp(p.get("anc_per_ul"), lambda x: x >= 1000),
            f"ANC >= 1000/µL; {_show(p, 'anc_per_ul')}",
            "V",
        ),
        _crit(
            "platelets",
            _cmp(p.get("platelets_per_ul"), lambda x: x >= 75000),
            f"platelets >= 75,000/µL; {_show(p, 'platelets_per_ul')}",
            "V",
        ),
    ]


def _transform(p: Mapping[str, Any]) -> list[Criterion]:
    r = p.get("best_response_1l")
    if r in ("PD", "SD", "PR"):
        ok: bool | None = True
    elif r == "CR":
        # CR with relapse < 3 months counts as refractory, 3-12 months as early relapse.
        ok = _cmp(p.get("relapse_months_after_1l"), lambda x: x <= 12)
    else:
        ok = None
    return [
        _age(p, 18, 75),
        _ecog(p),
        _crit(
            "refractory or early relapse",
            ok,
            "PD, SD or PR as best response to first line, or CR with relapse <= 12 months "
            f"after first line; {_show(p, 'best_response_1l', 'relapse_months_after_1l')}",
            "S",
        ),
        _crit(
            "transplant candidate",
            p.get("transplant_eligible"),
            f"candidate for auto-HSCT; {_show(p, 'transplant_eligible')}",
            "V",
        ),
        _crit(
            "PET-positive",
            _pet_positive(p),
            f"PET-positive disease by Lugano 2014 (Deauville 4-5); "
            f"{_show(p, 'pet_positive', 'deauville')}",
            "S",
        ),
    ]


def _belinda(p: Mapping[str, Any]) -> list[Criterion]:
    r = p.get("best_response_1l")
    if r in ("PD", "SD"):
        ok: bool | None = True
        conf = "S"
    elif r == "CR":
        ok = _cmp(p.get("relapse_days_after_1l_last_dose"), lambda x: x <= 365)
        conf = "V"
    else:
        # The notes give BELINDA's refractory definition as PD/SD only; PR is undecided.
        ok = None
        conf = "S"
    deauville = p.get("deauville")
    pet = None if deauville is None else deauville >= 4
    if pet is None and p.get("pet_positive") is False:
        pet = False
    return [
        _age(p, 18, None),
        _ecog(p),
        _first_line(p, exactly_one=False),
        _crit(
            "refractory or early relapse",
            ok,
            "no CR to first line (PD or SD as best response) or relapse <= 365 days after "
            "the last first-line dose (PR as best response is not covered by the sources); "
            f"{_show(p, 'best_response_1l', 'relapse_days_after_1l_last_dose')}",
            conf,
        ),
        _crit(
            "transplant eligible with documented intent",
            _and(p.get("transplant_eligible"), p.get("transplant_intent")),
            f"eligible for auto-HSCT and intent documented; "
            f"{_show(p, 'transplant_eligible', 'transplant_intent')}",
            "V",
        ),
        _crit(
            "PET-positive and CT-measurable",
            _and(pet, p.get("ct_measurable")),
            f"PET-positive (Deauville 4-5) and measurable on CT; "
            f"{_show(p, 'deauville', 'pet_positive', 'ct_measurable')}",
            "V",
        ),
    ]


_TRIAL_RULES: dict[str, Callable[[Mapping[str, Any]], list[Criterion]]] = {
    "ZUMA-7": _zuma7,
    "TRANSFORM": _transform,
    "BELINDA": _belinda,
}
_TRIAL_SOURCE = {
    "ZUMA-7": ZUMA7,
    "TRANSFORM": f"{TRANSFORM}; {LUGANO_2014}",
    "BELINDA": BELINDA,
}
_OMITTED = {
    "ZUMA-7": ("bridging restricted to corticosteroids (a treatment rule, not eligibility)",),
    "TRANSFORM": (
        "prior therapy (anti-CD20 + anthracycline): unconfirmed [U] in the research notes",
        "secondary CNS lymphoma is allowed, so CNS involvement is not a criterion",
    ),
    "BELINDA": (
        "number of prior lines: the notes give the first-line regimen, not a line count",
    ),
}


def _check_patient(patient: Any) -> dict[str, Any]:
    if not isinstance(patient, Mapping):
        raise InputError(
            f"argument 'patient': expected a mapping of field to value (e.g. a dict), got "
            f"{type(patient).__name__}; fields: {', '.join(PATIENT_FIELDS)}",
            where="patient",
        )
    out: dict[str, Any] = {}
    for key, value in patient.items():
        if key not in PATIENT_FIELDS:
            raise InputError(
                f"argument 'patient': unknown field {key!r}; known fields are "
                f"{', '.join(PATIENT_FIELDS)}",
                where=f"patient[{key!r}]",
            )
        check, _ = PATIENT_FIELDS[key]
        out[key] = None if value is None else check(f"patient[{key!r}]", value)
    return out


def check_eligibility(patient: Mapping[str, Any], trial: str = "ZUMA-7") -> EligibilityResult:
    """Evaluate a patient against a second-line CAR-T trial's key eligibility criteria.

    Each criterion is ``met``, ``not_met`` or ``unknown`` (a field it needs was not
    given), with the reason and a confidence mark (``V`` primary source, ``S``
    secondary summary). Criteria the notes mark unconfirmed are listed in ``omitted``.

    Parameters
    ----------
    patient
        Mapping of field to value; see ``PATIENT_FIELDS`` for names and allowed values
        (e.g. ``age_years``, ``ecog``, ``best_response_1l`` in CR/PR/SD/PD,
        ``relapse_months_after_1l``, ``transplant_intent``). Missing fields or ``None``
        mean unknown.
    trial
        ``"ZUMA-7"``, ``"TRANSFORM"`` or ``"BELINDA"`` (case-insensitive).

    Returns
    -------
    EligibilityResult
        Overall ``.status`` (``eligible``, ``not_eligible``, ``unknown``), ``.criteria``,
        ``.reasons``, ``.omitted`` and ``.source``.

    Raises
    ------
    InputError
        For an unknown trial, an unknown patient field (typos are never ignored), or a
        field value of the wrong type or range.

    Examples
    --------
    >>> r = check_eligibility({"age_years": 80, "ecog": 1}, trial="TRANSFORM")
    >>> r.status, r.criteria[0].status
    ('not_eligible', 'not_met')

    Sources: ZUMA-7 (Locke NEJM 2022; NCT03391466), TRANSFORM (Kamdar Lancet 2022),
    BELINDA (Bishop NEJM 2022; NCT03570892), via PMC9542944 Table 1 and ASH-SAP
    (clinical-protocol.md section 5).
    """
    name = check_choice("trial", trial, TRIALS)
    p = _check_patient(patient)
    criteria = tuple(_TRIAL_RULES[name](p))
    failed = [c for c in criteria if c.status == "not_met"]
    undecided = [c for c in criteria if c.status == "unknown"]
    if failed:
        status = "not_eligible"
    elif undecided:
        status = "unknown"
    else:
        status = "eligible"
    reasons = [f"not met: {c.name} ({c.reason})" for c in failed]
    reasons += [f"unknown: {c.name} ({c.reason})" for c in undecided]
    reasons.append(
        f"only the key criteria in the research notes are encoded ({len(criteria)}); "
        "check the full protocol before enrolment"
    )
    return EligibilityResult(
        trial=name,
        status=status,
        criteria=criteria,
        reasons=tuple(reasons),
        omitted=_OMITTED[name],
        source=_TRIAL_SOURCE[name],
    )
