"""The [cea] section of review.toml: parsing, confinement of the model file, key errors."""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evisynth.econ.modelfile import bundled_model_path
from evisynth.errors import InputError
from evisynth.report.content import report_blocks
from evisynth.review import ReviewError, bundled_path, load_bundled, load_review
from evisynth.review.analyse import analyse_review
from evisynth.review.cea import CEASpec, model_source

GOOD = """[cea]
model = "cart_2l_lbcl"
wtp = [100000, 150000]
psa_draws = 2000

[cea.overrides]
hr_os = "os"
"""


def _folder(tmp_path: Path, cea: str) -> Path:
    """A copy of the bundled review with its [cea] part replaced by ``cea``."""
    dst = tmp_path / "rev"
    shutil.copytree(bundled_path("cart_dlbcl"), dst)
    toml = dst / "review.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("\n[cea]\n")
    end = text.index("\n# The full search")
    toml.write_text(text[:start] + "\n" + cea + text[end:], encoding="utf-8")
    return dst


def _columns(folder: Path) -> list[str | None]:
    with pytest.raises(ReviewError) as e:
        load_review(folder)
    assert "review.toml" in str(e.value)
    return [p.column for p in e.value.problems]


def test_the_bundled_review_has_a_cea_section() -> None:
    spec = load_bundled("cart_dlbcl").cea
    assert spec is not None and spec.model == "cart_2l_lbcl"
    assert set(spec.overrides) == {"hr_os", "hr_efs", "p_crs_g3", "p_icans_g3"}
    assert spec.wtp == (100_000.0, 150_000.0) and spec.psa_draws == 2000
    assert spec.claims[0].exclusion == "X-2026"


def test_a_good_section_loads(tmp_path: Path) -> None:
    r = load_review(_folder(tmp_path, GOOD))
    assert r.cea is not None and r.cea.overrides == {"hr_os": "os"}


def test_a_model_file_inside_the_review_folder_loads(tmp_path: Path) -> None:
    folder = _folder(tmp_path, GOOD.replace('"cart_2l_lbcl"', '"econ/model.toml"'))
    (folder / "econ").mkdir()
    shutil.copy(bundled_model_path("cart_2l_lbcl"), folder / "econ" / "model.toml")
    assert load_review(folder).cea is not None


@pytest.mark.parametrize(("cea", "column"), [
    (GOOD + "colour = 1\n", "cea.overrides.colour"),
    (GOOD.replace("psa_draws = 2000", "psa_draws = 5"), "cea.psa_draws"),
    (GOOD.replace("[100000, 150000]", "[-1]"), "cea.wtp"),
    (GOOD.replace("[100000, 150000]", "[]"), "cea.wtp"),
    (GOOD.replace("[100000, 150000]", "[1, 1]"), "cea.wtp"),
    (GOOD.replace("wtp =", "wtp_ =",), "cea.wtp_"),
    (GOOD.replace('"cart_2l_lbcl"', '"no_such_model"'), "cea.model"),
    (GOOD.replace('"cart_2l_lbcl"', '"missing.toml"'), "cea.model"),
    (GOOD.replace('"cart_2l_lbcl"', '"../outside.toml"'), "cea.model"),
    (GOOD.replace('"cart_2l_lbcl"', '"studies.csv"'), "cea.model"),
    (GOOD.replace('"cart_2l_lbcl"', '"/etc/model.toml"'), "cea.model"),
    (GOOD.replace('hr_os = "os"', 'hr_xx = "os"'), "cea.overrides.hr_xx"),
    (GOOD.replace('hr_os = "os"', 'hr_os = "nope"'), "cea.overrides.hr_os"),
    (GOOD.replace('hr_os = "os"', "hr_os = 0.7"), "cea.overrides.hr_os"),
    (GOOD + '\n[[cea.claims]]\nlabel = "x"\nicer = 1\nhorizon = 5\nexclusion = "nope"\n',
     "cea.claims[0].exclusion"),
    (GOOD + '\n[[cea.claims]]\nlabel = "x"\nicer = -1\nhorizon = 5\n', "cea.claims[0].icer"),
    (GOOD + '\n[[cea.claims]]\nlabel = "x"\nicer = 1\n', "cea.claims[0].horizon"),
])
def test_bad_entries_name_the_file_and_key(tmp_path: Path, cea: str, column: str) -> None:
    (tmp_path / "outside.toml").write_text("[model]\n", encoding="utf-8")
    assert column in _columns(_folder(tmp_path, cea))


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "model.toml"
    shutil.copy(bundled_model_path("cart_2l_lbcl"), outside)
    folder = _folder(tmp_path, GOOD.replace('"cart_2l_lbcl"', '"link.toml"'))
    os.symlink(outside, folder / "link.toml")
    with pytest.raises(ReviewError, match="outside the review folder"):
        load_review(folder)


def test_a_bad_model_file_is_reported_at_cea_model(tmp_path: Path) -> None:
    folder = _folder(tmp_path, GOOD.replace('"cart_2l_lbcl"', '"m.toml"'))
    (folder / "m.toml").write_text("[model]\nhorizon = [\n", encoding="utf-8")
    with pytest.raises(ReviewError) as e:
        load_review(folder)
    p = [p for p in e.value.problems if p.column == "cea.model"]
    assert p and "m.toml" in p[0].reason and "TOML" in p[0].reason


def test_a_pooled_value_the_input_cannot_take_is_a_review_error(tmp_path: Path) -> None:
    # a utility input fed with a hazard ratio's interval above 1: refused at run time, by key
    folder = _folder(tmp_path, GOOD.replace('hr_os = "os"', 'u_event_free = "cr"'))
    review = load_review(folder)
    with pytest.raises(ReviewError) as e:
        analyse_review(review)
    assert [p.column for p in e.value.problems] == ["cea.overrides.u_event_free"]


def test_a_review_without_cea_has_no_section() -> None:
    res = analyse_review(load_bundled("bcg_vaccine"))
    assert res.review.cea is None and res.cost_effectiveness is None
    assert "cost_effectiveness" not in res.to_dict()
    heads = [getattr(b, "text", "") for b in report_blocks(res, "test")]
    assert "Cost-effectiveness" not in heads


# ------------------------------------------------------------------ properties


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(name=st.one_of(_TEXT, _TEXT.map(lambda s: s + ".toml"),
                      st.lists(st.sampled_from(["..", ".", "m.toml", "x", "\x00", "f"]),
                               min_size=1, max_size=5).map("/".join)))
def test_model_source_never_escapes_the_folder(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "f"
    folder.mkdir(exist_ok=True)
    (folder / "m.toml").write_text("", encoding="utf-8")
    path, why = model_source(folder, name)
    assert (path is None) != (why is None)
    if path is not None and path != name:
        assert folder.resolve() in Path(path).parents and Path(path).is_file()


@given(st.lists(st.floats(min_value=1.0, max_value=1e7, allow_nan=False), min_size=1,
                max_size=5, unique=True))
def test_wtp_list_is_kept_sorted(wtps: list[float]) -> None:
    assert CEASpec(model="m", wtp=wtps).wtp == tuple(sorted(wtps))


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=5))
def test_a_wtp_list_with_a_non_positive_or_non_finite_value_is_refused(
        wtps: list[float]) -> None:
    ok = all(w == w and 0 < w < float("inf") for w in wtps) and len(set(wtps)) == len(wtps)
    if ok:
        assert CEASpec(model="m", wtp=wtps).wtp == tuple(sorted(wtps))
    else:
        with pytest.raises(ValidationError):
            CEASpec(model="m", wtp=wtps)


def test_results_summary_names_the_overrides_and_the_headline() -> None:
    review = load_bundled("cart_dlbcl")
    res = analyse_review(review)
    c = res.cost_effectiveness
    assert c is not None
    text = c.summary()
    assert all(o.input in text for o in c.overrides)
    assert c.summaries[0].sentences[0] in text and text in html.unescape(c._repr_html_())
    assert c.summary_at(150_000).wtp == 150_000
    with pytest.raises(InputError, match="thresholds"):
        c.summary_at(1.0)


def test_cli_run_reports_a_bad_cea_section_in_one_line(tmp_path: Path, capsys) -> None:
    from evisynth.cli import main

    folder = _folder(tmp_path, GOOD.replace('"cart_2l_lbcl"', '"../x.toml"'))
    assert main(["run", str(folder), "-o", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "key 'cea.model'" in err and "Traceback" not in err
