"""Seeded generator of reported statistics, rendered in random formats, for the audit.

Each statement is built from exact true values (a log ratio and its standard error;
counts and denominators; arm sizes; two arm proportions), rounded to a random number
of printed digits and written in one of several ways abstracts write it, with random
Unicode variants. ``inject`` changes one printed number (a digit, a swapped bound, a
wrong p-value). Whether the injected statement can still be explained by rounding is
decided by an oracle independent of the audit code: a linear programme solved with
``scipy.optimize.linprog`` for ratios, a dense grid for arm percentages, and integer
arithmetic for counts.

Used by ``tests/audit/test_audit_corpus.py`` (small) and ``bench/audit_corpus.py``
(>= 10,000 statements).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.special import ndtr, ndtri


@dataclass(frozen=True)
class Statement:
    """A generated sentence and what it reports."""

    kind: str  # ratio, fraction, granularity, arms, two_arm
    text: str
    printed: dict[str, str]  # the printed numbers by name
    meta: dict[str, object]
    injected: str = ""  # "" for a clean statement, else the kind of injection


_PREFIX = (
    "In the randomised comparison, ",
    "At the final analysis, ",
    "For the primary endpoint, ",
    "Compared with the control group, ",
    "",
    "After a median follow-up of two years, ",
)
_ENDPOINT = (
    "overall survival",
    "progression-free survival",
    "the primary outcome",
    "relapse",
    "OS",
)


def _fmt(x: float, d: int) -> str:
    return f"{x:.{d}f}"


def _unicode(text: str, rng: random.Random) -> str:
    """Random Unicode variants that a reader sees as the same statement."""
    if rng.random() < 0.3:
        text = re.sub(r"(?<=\d)-(?=\d)", rng.choice(["\u2013", "\u2011", "\u2212", "-"]), text)
    if rng.random() < 0.2:
        text = re.sub(r"(?<=\d)\.(?=\d)", "\u00b7", text)
    if rng.random() < 0.3:
        text = text.replace(" ", rng.choice(["\u00a0", "\u2009", "\u202f", " "]), rng.randint(1, 4))
    if rng.random() < 0.2:
        text = text.replace("%", rng.choice([" %", "\u00a0%", "%"]))
    if rng.random() < 0.2:
        text = text.replace("<", "\u2264") if rng.random() < 0.5 else text.replace("<", "< ")
    return text


# ----------------------------------------------------------------------- ratios


def _p_text(p: float, rng: random.Random) -> tuple[str, str]:
    """(relation, number) as an abstract would print the exact p."""
    if p < 0.0001 and rng.random() < 0.5:
        return "<", rng.choice(["0.0001", ".0001"])
    if p < 0.001:
        return "<", rng.choice(["0.001", ".001"])
    if p < 0.01:
        return "=", _fmt(p, 3)
    if p < 0.1:
        return "=", _fmt(p, rng.choice([2, 3]))
    return "=", _fmt(p, 2)


def ratio_statement(rng: random.Random) -> Statement:
    """A ratio with CI and (mostly) a p-value."""
    while True:
        measure = rng.choice(["HR", "HR", "RR", "OR"])
        m = rng.uniform(math.log(0.2), math.log(3.0))
        se = rng.uniform(0.04, 0.45)
        level = rng.choice([95] * 8 + [90, 99])
        z = float(-ndtri((1 - level / 100) / 2))
        d = rng.choice([2, 2, 2, 3, 1]) if abs(m) > 0.7 else rng.choice([2, 2, 3])
        est, lb, ub = math.exp(m), math.exp(m - z * se), math.exp(m + z * se)
        e_s, l_s, u_s = _fmt(est, d), _fmt(lb, d), _fmt(ub, d)
        if float(l_s) > 0 and len({e_s, l_s, u_s}) == 3:
            break
    p = float(2 * ndtr(-abs(m) / se))
    rel, p_s = _p_text(p, rng)
    with_p = rng.random() < 0.8
    ep = rng.choice(_ENDPOINT)
    words = {
        "HR": ["HR", "hazard ratio", "HR", "adjusted HR"],
        "RR": ["RR", "risk ratio", "relative risk"],
        "OR": ["OR", "odds ratio"],
    }[measure]
    w = rng.choice(words)
    lv = f"{level}%"
    sep = rng.choice(["-", " to ", "-", ", "]) if rng.random() < 0.8 else "-"
    p_word = rng.choice(["p", "P", "p-value", "P value"])
    p_part = f"{p_word} {rel} {p_s}" if rng.random() < 0.6 else f"{p_word}{rel}{p_s}"
    style = rng.randrange(5)
    if style == 0:
        core = f"{w} {e_s} ({lv} CI {l_s}{sep}{u_s}" + (f"; {p_part})" if with_p else ")")
    elif style == 1:
        ci_word = "confidence interval" if rng.random() < 0.5 else "CI"
        core = f"{w}, {e_s}; {lv} {ci_word}, {l_s} to {u_s}" + (f"; {p_part}" if with_p else "")
    elif style == 2:
        core = f"{w} = {e_s} [{l_s}; {u_s}]" + (f", {p_part}" if with_p else "")
    elif style == 3:
        core = f"{w} {e_s} ({lv} CI: {l_s}{sep}{u_s})" + (f", {p_part}" if with_p else "")
    else:
        core = f"{w} was {e_s} ({lv} CI, {l_s} to {u_s}" + (f"; {p_part})" if with_p else ")")
    if style == 2 and level != 95:
        core = f"{w} = {e_s} ({lv} CI {l_s}-{u_s})" + (f", {p_part}" if with_p else "")
    text = f"{rng.choice(_PREFIX)}{ep} differed between groups ({core})."
    text = text[0].upper() + text[1:]
    printed = {"estimate": e_s, "ci_lb": l_s, "ci_ub": u_s}
    if with_p:
        printed["p"] = p_s
    meta: dict[str, object] = {"measure": measure, "level": level, "rel": rel}
    return Statement("ratio", _unicode(text, rng), printed, meta)


def _interval(s: str) -> tuple[float, float]:
    d = len(s.split(".")[1]) if "." in s else 0
    h = 0.5 * 10.0 ** (-d)
    return float(s) - h, float(s) + h


def ratio_feasible(printed: dict[str, str], level: float, rel: str) -> bool:
    """Oracle: do true (log ratio, se) exist that print as ``printed``? (scipy linprog)."""
    e = _interval(printed["estimate"])
    lb = _interval(printed["ci_lb"])
    ub = _interval(printed["ci_ub"])
    if min(e[0], lb[0], ub[0]) <= 0 or lb[0] >= ub[1]:
        return False
    z = float(-ndtri((1 - level / 100) / 2))
    le, ll, lu = (np.log(e), np.log(lb), np.log(ub))
    # variables (m, s) with s = z * se; A x <= b
    a = [[-1, 0], [1, 0], [-1, 1], [1, -1], [-1, -1], [1, 1], [0, -1]]
    b = [-le[0], le[1], -ll[0], ll[1], -lu[0], lu[1], 0.0]
    if "p" not in printed:
        res = linprog([0, 0], A_ub=a, b_ub=b, bounds=[(None, None), (0, None)], method="highs")
        return bool(res.status == 0)
    pv = float(printed["p"])
    if rel == "=":
        p_lo, p_hi = (
            max(0.0, pv - 0.5 * 10.0 ** -len(printed["p"].split(".")[1])),
            min(1.0, pv + 0.5 * 10.0 ** -len(printed["p"].split(".")[1])),
        )
    else:
        p_lo, p_hi = 0.0, pv
    if p_hi <= 0:
        return False
    z_lo = float(-ndtri(p_hi / 2)) if p_hi < 1 else 0.0
    z_hi = float(-ndtri(p_lo / 2)) if p_lo > 0 else math.inf
    for sign in (1, -1):
        aa = [*a, [-sign, 0], [-sign * z, z_lo]]
        bb = [*b, 0.0, 0.0]
        if math.isfinite(z_hi):
            aa.append([sign * z, -z_hi])
            bb.append(0.0)
        res = linprog([0, 0], A_ub=aa, b_ub=bb, bounds=[(None, None), (0, None)], method="highs")
        if res.status == 0:
            return True
    return False


# ------------------------------------------------------------------- fractions


def fraction_statement(rng: random.Random) -> Statement:
    """A count with its denominator and percentage."""
    n = rng.randint(8, 600)
    k = rng.randint(0, n)
    d = rng.choice([0, 0, 1])
    pct = _fmt(100 * k / n, d)
    style = rng.randrange(4)
    if style == 0:
        core = f"{k}/{n} ({pct}%)"
    elif style == 1:
        core = f"{pct}% ({k} of {n})"
    elif style == 2:
        core = f"{k} of {n} patients ({pct}%)"
    else:
        core = f"{pct}% ({k}/{n})"
    text = f"{rng.choice(_PREFIX)}the event occurred in {core} of the treated group."
    text = text[0].upper() + text[1:]
    return Statement(
        "fraction", _unicode(text, rng), {"count": str(k), "n": str(n), "percent": pct}, {}
    )


def fraction_feasible(printed: dict[str, str]) -> bool:
    """Oracle: is count/n x 100 inside the printed percentage's rounding interval?"""
    k, n = int(printed["count"]), int(printed["n"])
    if k > n:
        return False
    lo, hi = _interval(printed["percent"])
    from fractions import Fraction

    v = Fraction(100 * k, n)
    return Fraction(lo).limit_denominator(10**9) <= v <= Fraction(hi).limit_denominator(10**9)


def granularity_statement(rng: random.Random) -> Statement:
    """'x% of n patients' with a small n and one decimal (a GRIM-testable statement)."""
    n = rng.randint(10, 99)
    k = rng.randint(0, n)
    pct = _fmt(100 * k / n, 1)
    text = f"{rng.choice(_PREFIX)}{pct}% of {n} patients stopped treatment early."
    text = text[0].upper() + text[1:]
    return Statement("granularity", _unicode(text, rng), {"percent": pct, "n": str(n)}, {})


def granularity_feasible(printed: dict[str, str]) -> bool:
    """Oracle: some whole k in 0..n has 100k/n inside the printed rounding interval."""
    n = int(printed["n"])
    lo, hi = _interval(printed["percent"])
    return any(lo - 1e-12 <= 100 * k / n <= hi + 1e-12 for k in range(n + 1))


# ------------------------------------------------------------------------ arms

_ARM_NAMES = (("the new drug", "usual care"), ("intervention", "control"),
              ("the experimental arm", "the standard arm"), ("drug A", "drug B"))  # fmt: skip


def arms_statement(rng: random.Random, a1: int | None = None, a2: int | None = None) -> Statement:
    """A total with two arm sizes that add up."""
    a1, a2 = a1 or rng.randint(10, 900), a2 or rng.randint(10, 900)
    x, y = rng.choice(_ARM_NAMES)
    style = rng.randrange(4)
    tot = a1 + a2
    if style == 0:
        core = f"{tot} patients ({a1} to {x} and {a2} to {y})"
    elif style == 1:
        core = f"{tot} patients ({a1} vs {a2})"
    elif style == 2:
        core = f"{tot} participants ({a1} assigned to {x}, {a2} to {y})"
    else:
        core = f"{tot} patients (n = {a1} and n = {a2})"
    text = f"{rng.choice(['We randomly assigned ', 'The trial enrolled ', 'In total, '])}{core}."
    return Statement(
        "arms", _unicode(text, rng), {"total": str(tot), "arm1": str(a1), "arm2": str(a2)}, {}
    )


def arms_feasible(printed: dict[str, str]) -> bool:
    """Oracle: the arms add up."""
    return int(printed["arm1"]) + int(printed["arm2"]) == int(printed["total"])


# --------------------------------------------------------------------- two arms


def two_arm_statement(
    rng: random.Random, n1: int | None = None, n2: int | None = None
) -> Statement:
    """Two arm percentages and the crude risk ratio with its Wald CI."""
    fixed = (n1, n2)
    while True:
        n1 = fixed[0] or rng.randint(40, 400)
        n2 = fixed[1] or rng.randint(40, 400)
        k1, k2 = rng.randint(5, n1 - 5), rng.randint(5, n2 - 5)
        p1, p2 = k1 / n1, k2 / n2
        rr = p1 / p2
        se = math.sqrt(1 / k1 - 1 / n1 + 1 / k2 - 1 / n2)
        lb, ub = rr * math.exp(-1.959964 * se), rr * math.exp(1.959964 * se)
        d = 2
        e_s, l_s, u_s = _fmt(rr, d), _fmt(lb, d), _fmt(ub, d)
        if float(l_s) > 0 and len({e_s, l_s, u_s}) == 3:
            break
    dp = rng.choice([0, 1])
    s1, s2 = _fmt(100 * p1, dp), _fmt(100 * p2, dp)
    x, y = rng.choice(_ARM_NAMES)
    conn = rng.choice(["versus", "vs", "vs.", "compared with"])
    text = (f"{rng.choice(_PREFIX)}the response rate was {s1}% with {x} {conn} {s2}% with {y} "
            f"(RR {e_s}; 95% CI {l_s}-{u_s}).")  # fmt: skip
    text = text[0].upper() + text[1:]
    printed = {"p1": s1, "p2": s2, "estimate": e_s, "ci_lb": l_s, "ci_ub": u_s}
    return Statement(
        "two_arm", _unicode(text, rng), printed, {"measure": "RR", "level": 95, "rel": "="}
    )


def two_arm_feasible(printed: dict[str, str]) -> bool:
    """Oracle: a dense grid over the two percentage intervals reaches the RR interval."""
    a = _interval(printed["p1"])
    b = _interval(printed["p2"])
    e = _interval(printed["estimate"])
    if b[1] <= 0:
        return False
    xs = np.linspace(max(a[0], 0), min(a[1], 100), 201)
    ys = np.linspace(max(b[0], 1e-9), min(b[1], 100), 201)
    r = xs[:, None] / ys[None, :]
    ratio_ok = bool(((r >= e[0] - 1e-12) & (r <= e[1] + 1e-12)).any())
    return ratio_ok and ratio_feasible(
        {k: printed[k] for k in ("estimate", "ci_lb", "ci_ub")}, 95, "="
    )


# ------------------------------------------------------------------- injection

# ------------------------------------------------------------------ composites


def icer_statement(rng: random.Random) -> Statement:
    """Incremental cost, incremental QALYs and their ratio, within a horizon."""
    q = round(rng.uniform(0.05, 4.0), rng.choice([1, 2]))
    icer = rng.uniform(5_000, 250_000)
    cost = q * icer
    horizon = rng.choice([math.ceil(q) + rng.randint(1, 20), 30, 40])
    c_s = f"{round(cost, -2):,.0f}" if rng.random() < 0.5 else f"{round(cost):,}"
    i_s = f"{round(icer, -2):,.0f}" if rng.random() < 0.5 else f"{round(icer):,}"
    cur = rng.choice(["$", "€", "£", "US$"])
    text = (f"Over a {horizon}-year horizon, the incremental cost was {cur}{c_s} and "
            f"incremental QALYs were {q}, giving {cur}{i_s} per QALY gained.")  # fmt: skip
    printed = {"cost": c_s.replace(",", ""), "qalys": str(q), "icer": i_s.replace(",", "")}
    return Statement("icer", _unicode(text, rng), printed, {"horizon": horizon})


def icer_feasible(printed: dict[str, str], horizon: float) -> bool:
    """Oracle: exact rational arithmetic; cost/QALYs is continuous and monotone in both,
    so its range over the rounding boxes is [c_lo/q_hi, c_hi/q_lo]."""
    from fractions import Fraction as F

    def money(s: str) -> tuple[F, F]:  # trailing zeros of an amount may be rounding
        z = len(s) - len(s.rstrip("0")) if s.strip("0") else 0
        return F(s) - F(10**z, 2), F(s) + F(10**z, 2)

    c = money(printed["cost"])
    d = len(printed["qalys"].split(".")[1]) if "." in printed["qalys"] else 0
    q = (F(printed["qalys"]) - F(1, 2 * 10**d), F(printed["qalys"]) + F(1, 2 * 10**d))
    i = money(printed["icer"])
    if q[0] > horizon or q[1] <= 0:
        return False
    lo = c[0] / q[1]
    hi = c[1] / q[0] if q[0] > 0 else None
    return lo <= i[1] and (hi is None or i[0] <= hi)


def _int_interval(s: str) -> tuple[float, float]:
    return float(s) - 0.5, float(s) + 0.5


def abstract_statement(rng: random.Random) -> Statement:
    """Several statements about one trial in one paragraph (arms shared by all parts)."""
    n1, n2 = rng.randint(40, 400), rng.randint(40, 400)
    parts = [arms_statement(rng, n1, n2), ratio_statement(rng), two_arm_statement(rng, n1, n2)]
    if rng.random() < 0.5:
        parts.append(fraction_statement(rng))
    rng.shuffle(parts[1:])  # the arms come first, as in an abstract
    text = " ".join(p.text for p in parts)
    return Statement("abstract", text, {}, {"parts": tuple(parts)})


GENERATORS = {
    "ratio": ratio_statement,
    "fraction": fraction_statement,
    "granularity": granularity_statement,
    "arms": arms_statement,
    "two_arm": two_arm_statement,
    "icer": icer_statement,
    "abstract": abstract_statement,
}


def feasible(st: Statement) -> bool:
    """The oracle for any statement kind."""
    if st.kind == "ratio":
        return ratio_feasible(st.printed, float(st.meta["level"]), str(st.meta["rel"]))  # type: ignore[arg-type]
    if st.kind == "fraction":
        return fraction_feasible(st.printed)
    if st.kind == "granularity":
        return granularity_feasible(st.printed)
    if st.kind == "arms":
        return arms_feasible(st.printed)
    if st.kind == "icer":
        return icer_feasible(st.printed, float(st.meta["horizon"]))  # type: ignore[arg-type]
    if st.kind == "abstract":
        parts = st.meta["parts"]
        assert isinstance(parts, tuple)
        return all(feasible(p) for p in parts)
    return two_arm_feasible(st.printed)


def _replace_number(text: str, old: str, new: str, which: int) -> str | None:
    """Replace the ``which``-th printed occurrence of number ``old`` (as a whole number)."""
    norm = text.replace("\u00b7", ".")
    pats = list(re.finditer(r"(?<![\d.])" + re.escape(old) + r"(?![\d]|[.,]\d)", norm))
    if not pats or which >= len(pats):
        return None
    m = pats[which]
    new_r = new.replace(".", "\u00b7") if "\u00b7" in text[m.start() : m.end()] else new
    return text[: m.start()] + new_r + text[m.end() :]


def _position(st: Statement, name: str) -> int:
    """Which occurrence of the printed value of ``name`` it is (values may repeat)."""
    order = [k for k in st.printed]
    val = st.printed[name]
    return sum(1 for k in order[: order.index(name)] if st.printed[k] == val)


def inject(st: Statement, rng: random.Random) -> Statement | None:
    """One injected error: a changed digit, swapped CI bounds or a wrong p-value."""
    if st.kind == "abstract":
        parts = list(st.meta["parts"])  # type: ignore[call-overload]
        k = rng.randrange(len(parts))
        bad = inject(parts[k], rng)
        if bad is None:
            return None
        parts[k] = bad
        meta = {"parts": tuple(parts), "injected_in": bad.kind}
        return Statement("abstract", " ".join(p.text for p in parts), {}, meta, bad.injected)
    if st.kind == "icer":
        name = rng.choice(["cost", "qalys", "icer"])
        old = st.printed[name]
        digits = [i for i, c in enumerate(old) if c.isdigit()]
        i = rng.choice(digits)
        new = old[:i] + rng.choice([c for c in "123456789" if c != old[i]]) + old[i + 1:]
        shown_old = f"{int(old):,}" if name != "qalys" else old
        shown_new = f"{int(new):,}" if name != "qalys" else new
        if st.text.count(shown_old) != 1 or float(new) <= 0:
            return None
        text = st.text.replace(shown_old, shown_new)
        return Statement("icer", text, {**st.printed, name: new}, st.meta, "digit")
    names = list(st.printed)
    kinds = ["digit"]
    if "ci_lb" in st.printed:
        kinds.append("swap")
    if "p" in st.printed:
        kinds.append("p")
    how = rng.choice(kinds)
    printed = dict(st.printed)
    if how == "swap":
        lb, ub = printed["ci_lb"], printed["ci_ub"]
        text = _replace_number(st.text, lb, "\x00", _position(st, "ci_lb"))
        if text is None:
            return None
        text = _replace_number(text, ub, lb, 0 if ub != lb else 1)
        if text is None:
            return None
        text = text.replace("\x00", ub)
        printed["ci_lb"], printed["ci_ub"] = ub, lb
    elif how == "p":
        p = float(printed["p"])
        new = _fmt(rng.uniform(0.11, 0.95), 2) if p < 0.05 else _fmt(rng.uniform(0.0011, 0.009), 3)
        if st.meta.get("rel") == "<":
            text = re.sub(r"([Pp](?:-value| value)?)\s*(?:<|\u2264)\s*[\d.\u00b7]+", rf"\1 = {new}",
                          st.text, count=1)  # fmt: skip
        else:
            text = _replace_number(st.text, printed["p"], new, _position(st, "p"))
        if text is None or text == st.text:
            return None
        printed["p"] = new
        st = Statement(st.kind, st.text, st.printed, {**st.meta, "rel": "="}, st.injected)
    else:
        name = rng.choice(names)
        old = printed[name]
        if list(printed.values()).count(old) > 1:
            return None  # the same digits twice: which one changed would be ambiguous
        digits = [i for i, c in enumerate(old) if c.isdigit()]
        i = rng.choice(digits)
        choices = [c for c in "0123456789" if c != old[i]]
        if i == 0 and len(digits) > 1 and old[1:2] != ".":
            choices = [c for c in choices if c != "0"]
        new = old[:i] + rng.choice(choices) + old[i + 1 :]
        if float(new) <= 0 and name in ("estimate", "ci_lb", "ci_ub", "n"):
            return None
        text = _replace_number(st.text, old, new, _position(st, name))
        if text is None:
            return None
        printed[name] = new
    return Statement(st.kind, text, printed, st.meta, how)


def corpus(n: int, seed: int) -> list[tuple[Statement, Statement | None]]:
    """``n`` clean statements, each with one injected variant (``None`` if none could be made)."""
    rng = random.Random(seed)
    kinds = list(GENERATORS)
    out = []
    for i in range(n):
        st = GENERATORS[kinds[i % len(kinds)]](rng)
        out.append((st, inject(st, rng)))
    return out
