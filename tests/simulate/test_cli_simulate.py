"""`evisynth simulate design.toml -o results.csv`: output equals the API; bad input exits 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evisynth as ev
from evisynth.cli import main
from evisynth.simulate import BinaryData

GOOD = """
reps = 2000
seed = 5
level = 90
methods = ["REML-knha", ["DL", "z"]]
[design]
k = [2, 4]
tau = [0, 0.25]
mu = 0.1
[design.vi]
kind = "binary"
n = [20, 60]
p_control = 0.2
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_writes_the_api_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "d.toml"
    toml.write_text(GOOD)
    out = tmp_path / "r.csv"
    code, _, err = run(["simulate", str(toml), "-o", str(out), "--no-progress"], capsys)
    assert code == 0, err
    got = pd.read_csv(out)
    want = ev.simulate(
        ev.SimDesign(k=[2, 4], tau=[0, 0.25], mu=0.1, vi=BinaryData(n=(20, 60), p_control=0.2)),
        ["REML-knha", "DL-z"], reps=2000, seed=5, level=90,
    )
    assert list(got.columns) == list(want.columns)
    for col in want.columns:
        if want[col].dtype.kind == "f":
            assert np.array_equal(got[col].to_numpy(), want[col].to_numpy()), col
        else:
            assert list(got[col]) == list(want[col]), col
    assert "wrote 8 rows" in err


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("methods = [\n[design", "not valid TOML"),
        ('methods = ["REML-knha"]\n', "key 'design'"),
        ('methods = ["REML-knha"]\n[design]\ntau = 0\n', "key 'design.k': missing"),
        ('methods = ["REML-knha"]\n[design]\nk = [1]\ntau = 0\n', "key 'design.k'"),
        ('methods = ["REML-knha"]\n[design]\nk = 2\ntau = "x"\n', "key 'design.tau'"),
        ('methods = ["REML-kh"]\n[design]\nk = 2\ntau = 0\n', "key 'methods'"),
        ('[design]\nk = 2\ntau = 0\n', "key 'methods': missing"),
        ('reps = 0\nmethods = ["DL-z"]\n[design]\nk = 2\ntau = 0\n', "key 'reps'"),
        ('methods = ["DL-z"]\nfoo = 1\n[design]\nk = 2\ntau = 0\n', "key 'foo': unknown"),
        ('methods = ["DL-z"]\n[design]\nk = 2\ntau = 0\nvi = [0.1, 0.2, 0.3]\n',
         "key 'design.vi': 3 variances"),
        ('methods = ["DL-z"]\n[design]\nk = 2\ntau = 0\n[design.vi]\nkind = "gamma"\n',
         "key 'design.vi.kind'"),
        ('methods = ["DL-z"]\n[design]\nk = 2\ntau = 0\n[design.vi]\nkind = "binary"\nn = 0\n',
         "key 'design.vi.n'"),
        ('methods = ["DL-z"]\n[design]\nk = 2\ntau = 0\n[design.vi]\nkind = "random"\nlow = 1\n',
         "key 'design.vi.high': missing"),
    ],
)
def test_bad_toml_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str
) -> None:
    toml = tmp_path / "bad.toml"
    toml.write_text(text)
    out = tmp_path / "r.csv"
    code, _, err = run(["simulate", str(toml), "-o", str(out)], capsys)
    assert code == 2
    assert err.count("\n") == 1 and str(toml) in err and where in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_file_and_conflicting_options(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["simulate", str(tmp_path / "none.toml"), "-o", "x.csv"], capsys)
    assert code == 2 and "file not found" in err
    toml = tmp_path / "d.toml"
    toml.write_text(GOOD)
    code, _, err = run(["simulate", str(toml), "-o", str(tmp_path / "x.csv"), "--workers", "2",
                        "--scheduler", "tcp://x:1"], capsys)
    assert code == 2 and "not both" in err


def test_interrupt_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import evisynth.cli.simulate as clisim

    def boom(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(clisim, "simulate", boom)
    toml = tmp_path / "d.toml"
    toml.write_text(GOOD)
    out = tmp_path / "r.csv"
    code, _, err = run(["simulate", str(toml), "-o", str(out)], capsys)
    assert code == 130 and "not written" in err and not out.exists()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from evisynth.errors import InputError  # noqa: E402
from evisynth.simulate.config import load_config  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(
    ks=st.lists(st.integers(2, 50), min_size=1, max_size=4),
    taus=st.lists(st.floats(0, 3, allow_nan=False), min_size=1, max_size=4),
    reps=st.integers(1, 10**6),
    seed=st.integers(0, 2**31),
)
def test_property_config_round_trips(ks: list[int], taus: list[float], reps: int,
                                     seed: int) -> None:
    import tempfile

    text = (f"reps = {reps}\nseed = {seed}\nmethods = [\"REML-knha\"]\n[design]\n"
            f"k = {ks}\ntau = [{', '.join(repr(t) for t in taus)}]\n")
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "d.toml"
        p.write_text(text)
        cfg = load_config(p)
    assert cfg.design.k == tuple(ks) and cfg.design.tau == tuple(taus)
    assert (cfg.reps, cfg.seed) == (reps, seed)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=80))
def test_property_any_text_is_a_config_or_one_line_input_error(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.toml"
        p.write_text(text, encoding="utf-8")
        try:
            load_config(p)
        except InputError as exc:
            assert "\n" not in str(exc).strip() and str(p) in str(exc)
