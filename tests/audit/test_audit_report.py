"""AuditReport, the structured entry points, bad input, fuzzing, the CLI and doctests."""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evisynth as ev
from evisynth.audit import AuditReport, as_p, audit, check_percent, check_ratio, html_to_text
from evisynth.cli import main
from evisynth.errors import InputError

TEXT = ("We enrolled 452 patients (224 vs 229). Overall survival favoured the drug "
        "(HR 0.55; 95% CI 0.42-0.71; p < 0.001).")  # fmt: skip


def test_report_shape():
    r = ev.audit(TEXT)
    assert isinstance(r, ev.AuditReport)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.source = "x"  # type: ignore[misc]
    d = r.to_dict()
    assert list(d) == ["source", "n_chars", "counts", "findings", "checks", "items"]
    assert d["counts"] == {"inconsistent": 1, "implausible": 0, "note": 0, "ok": 4}
    assert json.loads(json.dumps(d)) == d
    assert [f["rule"] for f in d["findings"]] == ["arms-sum"]
    assert len(d["checks"]) == 5 and sum(c["passed"] for c in d["checks"]) == 4
    s = r.summary()
    assert s.splitlines()[0].startswith("Audit of text: 2 statistics, 5 checks; 1 inconsistent")
    assert "INCONSISTENT arms-sum" in s
    f = r.to_frame()
    assert list(f.columns) == ["rule", "passed", "severity", "message", "tolerance", "start", "end"]
    assert len(f) == 5 and f["passed"].sum() == 4
    h = r._repr_html_()
    assert h.startswith("<div>") and "arms-sum" in h
    assert not r.consistent and len(r.passed) == 4


def test_empty_and_blank_text_give_empty_reports():
    for t in ("", "   \n\n ", "no numbers here at all"):
        r = audit(t)
        assert r.checks == () and r.findings == () and r.consistent


def test_bad_arguments_raise_one_line_input_errors():
    for bad in (None, b"HR 0.5", 3.0):
        with pytest.raises(InputError) as e:
            audit(bad)  # type: ignore[arg-type]
        assert "\n" not in str(e.value) and "argument 'text'" in str(e.value)
    with pytest.raises(InputError, match="more than the 10 an audit accepts"):
        audit("x" * 11, max_chars=10)
    with pytest.raises(InputError, match="give both bounds"):
        check_ratio("0.5", "0.4")
    with pytest.raises(InputError, match="'estimate'"):
        check_ratio("abc", "0.4", "0.6")
    with pytest.raises(InputError, match="'n'"):
        check_percent("10", 0)
    with pytest.raises(InputError, match="'p'"):
        as_p("two")


def test_structured_strings_keep_digits_floats_are_conservative():
    # "0.60" has two decimals: its interval is narrower than that of the float 0.6
    assert check_ratio("1.00", "0.60", "1.67").checks[2].tolerance.count("[0.595, 0.605]") == 1
    assert "[0.55, 0.65]" in check_ratio(1.0, 0.6, 1.67).checks[2].tolerance
    assert as_p("p \u2264 .001").hi == 0.001
    assert as_p(0.04).lo == 0.035


# --------------------------------------------------------------- fuzzing

_TOKENS = st.sampled_from(
    ["HR", "RR", "OR", "hazard ratio", "(", ")", "[", "]", "95%", "CI", "-", "\u2013", "to", ";",
     ",", "p", "<", "=", "\u2264", "0.", "1", "2", "5", "0", ".", "%", " ", "\u00a0", "\u00b7",
     "patients", "vs", "versus", "median", "months", "12-month", "OS", "$", "per QALY", "mg/kg",
     "tocilizumab", "fludarabine", "mg/m2", "double-blind", "placebo-controlled", "of", "/",
     "\n\n", "million", "e-5", "respectively", "and"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, max_size=60).map(" ".join))
def test_audit_never_raises_on_statistics_like_text(text):
    r = audit(text)
    assert isinstance(r, AuditReport)
    for it in r.items:
        assert text[it.span[0] : it.span[1]] == it.text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_audit_never_raises_on_any_text(text):
    r = audit(text)
    json.dumps(r.to_dict())


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_html_stripping_never_raises(markup):
    assert isinstance(html_to_text(markup), str)


# -------------------------------------------------------------------- CLI


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_text_markdown_html_and_json(tmp_path, capsys):
    p = tmp_path / "a.txt"
    p.write_text(TEXT, encoding="utf-8")
    code, out, err = run(capsys, "audit", str(p))
    assert code == 0, err
    assert out.startswith(f"Audit of {p}: 2 statistics") and "arms-sum" in out
    md = tmp_path / "a.md"
    md.write_text("# Results\n\n**HR 0.50 (95% CI 0.40-0.90)**\n", encoding="utf-8")
    code, out, _ = run(capsys, "audit", str(md), "--json")
    d = json.loads(out)
    assert code == 0 and [f["rule"] for f in d["findings"]] == ["ci-log-symmetric"]
    h = tmp_path / "a.html"
    h.write_text("<html><style>p{}</style><p>We enrolled 452 patients (224&nbsp;vs 228).</p>"
                 "<script>var x = '10 of 5';</script></html>", encoding="utf-8")  # fmt: skip
    code, out, _ = run(capsys, "audit", str(h), "--json")
    d = json.loads(out)
    assert d["counts"]["ok"] == 1 and d["findings"] == []


def test_cli_stdin(capsys, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode())))
    code, out, _ = run(capsys, "audit", "-")
    assert code == 0 and out.startswith("Audit of <stdin>")


@pytest.mark.parametrize(
    ("name", "data", "msg"),
    [
        ("bin.txt", bytes(range(256)) * 4, "is a binary file, not text"),
        ("latin.txt", "caf\u00e9 HR 0.5".encode("latin-1"), "is not UTF-8 text"),
        ("doc.pdf", b"%PDF-1.4", "file type '.pdf' is not read"),
    ],
)
def test_cli_bad_files_give_one_line_errors(tmp_path, capsys, name, data, msg):
    p = tmp_path / name
    p.write_bytes(data)
    code, out, err = run(capsys, "audit", str(p))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and msg in err and err.startswith("evisynth: error: ")


def test_cli_missing_empty_and_huge_files(tmp_path, capsys):
    code, _, err = run(capsys, "audit", str(tmp_path / "none.txt"))
    assert code == 2 and "file not found" in err
    e = tmp_path / "empty.txt"
    e.write_text("")
    code, out, _ = run(capsys, "audit", str(e))
    assert code == 0 and "0 statistics, 0 checks" in out
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.write(b"HR 0.5 (0.4-0.6). " * (50 * 1024 * 1024 // 18))
    code, out, err = run(capsys, "audit", str(big))
    assert code == 2 and err.count("\n") == 1 and "more than the" in err


# ---------------------------------------------------------------- doctests

MODULES = ["numbers", "extraction", "checks", "labels", "text", "structured", "sources"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"evisynth.audit.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"no examples in evisynth.audit.{name}"
    assert result.failed == 0


def test_readme_shows_real_output(tmp_path, capsys, monkeypatch):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Audit of reported statistics") :]
    block = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    ns: dict = {}
    exec(compile(block, "README.md", "exec"), ns)
    shown = re.search(r"`evisynth audit` prints:\s*```\n(.*?)```", section, re.S)
    assert shown
    monkeypatch.chdir(tmp_path)
    Path("abstract.txt").write_text(ns["text"], encoding="utf-8")
    code, out, _ = run(capsys, "audit", "abstract.txt")
    assert code == 0 and out == shown.group(1)
    assert [(f.rule, f.severity) for f in ns["report"].findings] == [
        ("design-blinding", "inconsistent"), ("design-placebo-active", "inconsistent"),
        ("arms-sum", "inconsistent"), ("p-fits-ci", "inconsistent"),
        ("percent-count", "inconsistent"),
    ]  # fmt: skip


def test_ev_audit_is_callable_and_the_package_stays_importable():
    import importlib

    mod = importlib.import_module("evisynth.audit.checks")
    assert ev.audit is importlib.import_module("evisynth.audit")
    assert ev.audit("HR 0.50 (95% CI 0.40-0.90)").findings[0].rule == "ci-log-symmetric"
    assert ev.audit.check_ratio("0.68", "0.54", "0.86").consistent
    assert mod.RULES["arms-sum"]
    from evisynth import audit as a

    assert a("We enrolled 10 patients (5 vs 6).").findings[0].rule == "arms-sum"
