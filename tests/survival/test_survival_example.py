"""The bundled synthetic example is what its generator says it is."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from evisynth.survival.simulate import example_files

EXAMPLES = Path(str(resources.files("evisynth") / "data" / "examples"))


def test_example_files_regenerate_exactly() -> None:
    for name, df in example_files().items():
        on_disk = pd.read_csv(EXAMPLES / name)
        pd.testing.assert_frame_equal(on_disk, df.reset_index(drop=True), check_dtype=False,
                                      rtol=0, atol=1e-12)


def test_example_readme_states_it_is_simulated() -> None:
    text = (EXAMPLES / "simulated_trial.md").read_text(encoding="utf-8")
    assert "NOT real patient data" in text
    ipd = pd.read_csv(EXAMPLES / "simulated_trial_ipd.csv")
    events = ipd.groupby("arm")["event"].sum().to_dict()
    assert f"CAR-T {events['CAR-T']}" in text
    assert f"Standard care {events['Standard care']}" in text
