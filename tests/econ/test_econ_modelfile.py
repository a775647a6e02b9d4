"""Model TOML files: parsing, line-numbered errors, overrides; property tests."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth.econ.modelfile import load_model, parse_model
from evisynth.errors import InputError

GOOD = """\
[model]
title = "toy"
intervention = "new"
comparator = "old"
horizon = 20
discount = 0.03
wtp = 50000

[inputs.price]
value = 10000
distribution = "gamma"
low = 8000
high = 12000
source = "a price list"

[inputs.rate_old]
value = 0.2
source = "a trial"

[inputs.hr]
value = 0.7
distribution = "lognormal"
low = 0.5
high = 0.98
source = "a trial"

[inputs.u]
value = 0.8
distribution = "beta"
se = 0.05
assumption = true

[curves.old]
distribution = "exponential"
rate = "rate_old"

[curves.new]
base = "old"
hazard_ratio = "hr"

[arms.new]
pfs = "new"
os = "new"
one_off = { acquisition = "price" }
utilities = { pf = "u" }

[arms.old]
pfs = "old"
os = "old"
utilities = { pf = "u" }
"""


def _line(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` (computed, not typed)."""
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_good_file_runs_and_matches_the_python_model():
    import evisynth as ev

    mf = parse_model(GOOD)
    r = mf.run()
    c = ev.parametric_curve("exponential", rate=0.2)
    py = ev.PartitionedSurvival(arms={
        "new": ev.Arm(pfs=c.with_hazard_ratio(0.7), os=c.with_hazard_ratio(0.7),
                      one_off_cost=10000, utilities={"pf": 0.8}),
        "old": ev.Arm(pfs=c, os=c, utilities={"pf": 0.8})}, horizon=20, discount=0.03).run()
    assert r.costs == pytest.approx(py.costs, rel=1e-12)
    assert r.qalys == pytest.approx(py.qalys, rel=1e-12)
    assert [p.name for p in mf.assumptions()] == ["u"]
    assert mf.inputs["price"].line == _line(GOOD, "[inputs.price]")


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ('distribution = "gamma"', 'distribution = "gama"', 'distribution = "gama"',
         r"input 'price': distribution 'gama' is unknown"),
        ('value = 10000\ndistribution = "gamma"', 'value = -10000\ndistribution = "fixed"',
         "[inputs.price]", r"'price'.*costs must be 0 or more"),
        ('value = 10000\ndistribution = "gamma"', 'value = -10000\ndistribution = "gamma"',
         "[inputs.price]", r"'price'.*gamma needs a positive value"),
        ('value = 0.8\ndistribution = "beta"', 'value = 1.3\ndistribution = "fixed"',
         "[inputs.u]", r"'u'.*outside \[-0.6, 1\]"),
        ("horizon = 20", "horizon = 0", "horizon = 0", r"'horizon'"),
        ('rate = "rate_old"', 'rate = "rate_olde"', 'rate = "rate_olde"',
         r"refers to input 'rate_olde', which is not defined"),
        ('source = "a trial"\n\n[inputs.hr]', '\n[inputs.hr]', "[inputs.rate_old]",
         r"input 'rate_old': no source"),
        ('pfs = "old"', 'pfs = "oldd"', 'pfs = "oldd"', r"arm 'old': pfs = 'oldd' is not a curve"),
        ('title = "toy"', 'titel = "toy"', 'titel = "toy"', r"unknown key 'titel'"),
        ("low = 8000", "low = 18000", "[inputs.price]", r"low 18000 is above high 12000"),
    ],
)
def test_errors_name_the_input_and_its_line(old, new, needle, message):
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    with pytest.raises(InputError, match=message) as e:
        parse_model(text, file="toy.toml")
    msg = str(e.value)
    assert f"toy.toml line {_line(text, needle)}" in msg, msg
    assert "\n" not in msg


def test_toml_syntax_error_is_one_line():
    with pytest.raises(InputError, match=r"toy.toml: not valid TOML"):
        parse_model(GOOD + "\n[arms.new\n", file="toy.toml")


def test_overrides():
    mf = parse_model(GOOD, overrides={"hr": 0.5})
    assert mf.inputs["hr"].value == 0.5 and "override" in mf.inputs["hr"].source
    mf = parse_model(GOOD, overrides={"hr": {"value": 0.6, "low": 0.4, "high": 0.9}})
    assert (mf.inputs["hr"].low, mf.inputs["hr"].high) == (0.4, 0.9)
    a = parse_model(GOOD, overrides={"hr": 0.5}).run().qalys["new"]
    b = parse_model(GOOD).run().qalys["new"]
    assert a > b
    with pytest.raises(InputError, match="'hrr' is not an input"):
        parse_model(GOOD, overrides={"hrr": 0.5})
    with pytest.raises(InputError, match=r"hazard_ratio' \(hr\): -1 must be > 0"):
        parse_model(GOOD, overrides={"hr": -1.0})


def test_missing_file():
    with pytest.raises(InputError, match="not found"):
        load_model("/nonexistent/model.toml")


_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)


@settings(max_examples=15, deadline=None)
@given(price=st.floats(0, 1e7, allow_nan=False), u=st.floats(0.01, 0.99),
       rate=st.floats(1e-3, 5.0), hr=st.floats(0.05, 5.0), name=_names,
       dist=st.sampled_from(["fixed", "gamma", "normal"]))
def test_parser_round_trips_values(price, u, rate, hr, name, dist):
    def setv(t: str, table: str, v: float) -> str:
        return re.sub(rf"(\[inputs\.{table}\]\nvalue = )\S+", lambda m: m.group(1) + repr(v), t)

    text = setv(setv(setv(setv(GOOD, "price", price), "u", u), "rate_old", rate), "hr", hr)
    text = (text.replace('value = ' + repr(price) + '\ndistribution = "gamma"',
                         'value = ' + repr(price) + f'\ndistribution = "{dist}"')
            .replace("[inputs.price]", f"[inputs.{name}]")
            .replace('acquisition = "price"', f'acquisition = "{name}"'))
    if dist == "gamma" and price == 0:
        with pytest.raises(InputError):
            parse_model(text)
        return
    if name in ("rate_old", "hr", "u"):
        with pytest.raises(InputError):
            parse_model(text)
        return
    mf = parse_model(text)
    assert mf.inputs[name].value == price
    assert mf.inputs["u"].value == u
    r = mf.run()
    assert math.isfinite(r.costs["new"]) and r.costs["new"] >= price - 1e-6


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_raises_anything_but_input_error(junk):
    try:
        parse_model(junk)
    except InputError as e:
        assert "\n" not in str(e)


@settings(max_examples=25, deadline=None)
@given(i=st.integers(0, GOOD.count("\n") - 1), junk=st.sampled_from(
    ["x = 1", "[inputs]", "value = 'a'", "rate = -1", "[[arms.new.subsequent]]", "= ="]))
def test_parser_with_a_corrupted_line(i, junk):
    lines = GOOD.splitlines()
    lines.insert(i, junk)
    try:
        parse_model("\n".join(lines))
    except InputError as e:
        assert "\n" not in str(e)


_KEYED = [i for i, ln in enumerate(GOOD.splitlines()) if " = " in ln]


@settings(max_examples=40, deadline=None)
@given(i=st.sampled_from(_KEYED), value=st.sampled_from(["[1, 2]", '["new"]', "{ a = 1 }", "[]"]))
def test_a_list_or_table_where_a_name_belongs_is_an_input_error(i, value):
    lines = GOOD.splitlines()
    lines[i] = lines[i].split(" = ")[0] + " = " + value
    try:
        parse_model("\n".join(lines))
    except InputError as e:
        assert "\n" not in str(e)


def test_numeric_override_fixes_the_input_dict_override_keeps_the_distribution():
    mf = parse_model(GOOD, overrides={"hr": 0.5})
    assert (mf.inputs["hr"].dist, mf.inputs["hr"].low, mf.inputs["hr"].sd) == ("fixed", None, 0)
    mf = parse_model(GOOD, overrides={"hr": {"value": 0.6, "low": 0.4, "high": 0.9}})
    assert mf.inputs["hr"].dist == "lognormal"
    with pytest.raises(InputError, match="log-normal needs a positive value"):
        parse_model(GOOD, overrides={"hr": {"value": -1.0}})


def test_correlations_from_the_file_reach_the_psa():
    from scipy import stats

    text = GOOD.replace("[inputs.hr]", "[inputs.u2]\nvalue = 0.5\ndistribution = \"beta\"\n"
                        "se = 0.05\nassumption = true\n\n[inputs.hr]")
    i = text.rindex('utilities = { pf = "u" }')
    text = text[:i] + 'utilities = { pf = "u", pd = "u2" }' + text[i + 24:]
    text += '\n[[correlations]]\na = "u"\nb = "u2"\nrho = 0.9\n'
    mf = parse_model(text)
    dr = mf.model.draw(20_000, __import__("numpy").random.default_rng(2))
    x, y = dr.values[id(mf.inputs["u"])], dr.values[id(mf.inputs["u2"])]
    assert stats.spearmanr(x, y).statistic == pytest.approx(
        6 / math.pi * math.asin(0.45), abs=0.02)
    bad = text.replace("rho = 0.9", "rho = 1.5")
    with pytest.raises(InputError, match=r"line \d+: correlation: rho 1.5"):
        parse_model(bad)
