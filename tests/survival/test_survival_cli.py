"""The `evisynth reconstruct` and `evisynth survival` commands."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from evisynth.cli import main

EXAMPLES = Path(str(resources.files("evisynth") / "data" / "examples"))


def test_reconstruct_then_survival(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ipd = pd.read_csv(EXAMPLES / "simulated_trial_ipd.csv")
    events = ipd.groupby("arm")["event"].sum()
    outs = []
    for arm, short in (("CAR-T", "cart"), ("Standard care", "soc")):
        out = tmp_path / f"ipd_{short}.csv"
        code = main([
            "reconstruct", str(EXAMPLES / f"simulated_trial_km_{short}.csv"),
            "--at-risk", str(EXAMPLES / f"simulated_trial_nar_{short}.csv"),
            "--events", str(int(events[arm])), "-o", str(out), "--arm-label", arm,
        ])
        assert code == 0
        text = capsys.readouterr().out
        assert "Reconstructed 180 patients" in text
        assert f"events: given {int(events[arm])}, reconstructed {int(events[arm])}" in text
        outs.append(pd.read_csv(out))
    both = tmp_path / "both.csv"
    pd.concat(outs).to_csv(both, index=False)
    plot = tmp_path / "km.png"
    code = main(["survival", str(both), "--arm", "arm", "--reference", "Standard care",
                 "--landmark", "12", "--plot", str(plot)])
    assert code == 0
    text = capsys.readouterr().out
    assert "Cox HR (efron ties)" in text and "RMST" in text and "S(12)" in text
    assert plot.stat().st_size > 1000
    code = main(["survival", str(both), "--arm", "arm", "--reference", "Standard care",
                 "--landmark", "12", "--json"])
    assert code == 0
    res = json.loads(capsys.readouterr().out)
    # the reconstruction of the noisy digitisation is close to the true patient data
    main(["survival", str(EXAMPLES / "simulated_trial_ipd.csv"), "--arm", "arm",
          "--reference", "Standard care", "--landmark", "12", "--json"])
    truth = json.loads(capsys.readouterr().out)
    assert res["cox"]["hr"] == pytest.approx(truth["cox"]["hr"], rel=0.05)
    assert res["landmarks"][0]["difference"] == pytest.approx(
        truth["landmarks"][0]["difference"], abs=0.02)


def test_reconstruct_json_and_no_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ipd.csv"
    code = main(["reconstruct", str(EXAMPLES / "simulated_trial_km_soc.csv"), "-n", "180",
                 "-o", str(out), "--json"])
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["case"] == "n" and d["diagnostics"]["n_patients"] == 180
    assert any("no censoring" in c for c in d["changes"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reconstruct", "missing.csv", "-n", "5", "-o", "x.csv"], "file not found"),
        (["reconstruct", "{curve}", "-o", "{out}"], "give n"),
        (["survival", "{ipd}", "--arm", "group"], "no column 'group'"),
        (["survival", "{bad}", "--arm", "arm"], "row 3, column 'event'"),
        (["survival", "{ipd}", "--arm", "arm", "--landmark", "99"], "beyond the last"),
    ],
)
def test_errors_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("arm,time,event\na,1,1\nb,2,7\n")
    subst = {
        "{curve}": str(EXAMPLES / "simulated_trial_km_soc.csv"),
        "{out}": str(tmp_path / "o.csv"),
        "{ipd}": str(EXAMPLES / "simulated_trial_ipd.csv"),
        "{bad}": str(bad),
    }
    code = main([subst.get(a, a) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


def test_survival_extrapolation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ipd = str(EXAMPLES / "simulated_trial_ipd.csv")
    plot = tmp_path / "fit.svg"
    code = main(["survival", ipd, "--arm", "arm", "--reference", "Standard care",
                 "--extrapolate", "60", "--models", "exponential,weibull", "--plot", str(plot)])
    assert code == 0
    text = capsys.readouterr().out
    assert "Extrapolation, CAR-T" in text and "weibull mixture cure" in text
    assert plot.read_text().startswith("<?xml")
    code = main(["survival", ipd, "--arm", "arm", "--extrapolate", "60", "--models",
                 "exponential", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    ex = out["extrapolation"]["CAR-T"]
    assert ex["horizon"] == 60
    assert set(ex["restricted_mean"]) == {"exponential", "exponential mixture cure"}
    code = main(["survival", ipd, "--arm", "arm", "--extrapolate", "60", "--models", "gamma"])
    assert code == 2
    assert "not one of" in capsys.readouterr().err
