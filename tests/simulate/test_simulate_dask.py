"""backend="dask": the same tasks on a 2-process LocalCluster give a bit-identical table."""

from __future__ import annotations

import pandas as pd
import pytest

import evisynth as ev
from evisynth.simulate import BLOCK, BinaryData, RandomVariances

distributed = pytest.importorskip(
    "distributed",
    reason="dask.distributed is not installed (pip install 'evisynth[dask]'; CI installs it "
    "through the test extra)",
)


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_two_workers_bit_identical_to_local(client) -> None:  # type: ignore[no-untyped-def]
    design = ev.SimDesign(
        k=[2, 5], tau=[0, 0.3],
        vi=[RandomVariances(0.01, 0.5, "loguniform"), BinaryData(n=(20, 80), p_control=0.2)],
    )
    methods = [("REML", "knha"), ("DL", "z"), ("PM", "adhoc")]
    reps = 2 * BLOCK + 77
    local = ev.simulate(design, methods, reps=reps, seed=21)
    remote = ev.simulate(design, methods, reps=reps, seed=21, backend="dask", client=client,
                         chunk_size=BLOCK)
    pd.testing.assert_frame_equal(local, remote, check_exact=True)
    assert len(client.scheduler_info()["workers"]) == 2


def test_dask_by_scheduler_address(client) -> None:  # type: ignore[no-untyped-def]
    design = ev.SimDesign(k=3, tau=0.2, vi=0.1)
    local = ev.simulate(design, ["REML-z"], reps=1000, seed=4)
    remote = ev.simulate(design, ["REML-z"], reps=1000, seed=4, backend="dask",
                         client=client.scheduler.address)
    pd.testing.assert_frame_equal(local, remote, check_exact=True)


def test_cli_scheduler_writes_the_local_table(client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from evisynth.cli import main

    toml = tmp_path / "d.toml"
    toml.write_text(
        'reps = 3000\nseed = 8\nmethods = ["REML-knha", "DL-z"]\n'
        "[design]\nk = [3, 4]\ntau = [0, 0.2]\nvi = 0.05\n"
    )
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["simulate", str(toml), "-o", str(a), "--no-progress"]) == 0
    assert main(["simulate", str(toml), "-o", str(b), "--no-progress",
                 "--scheduler", client.scheduler.address]) == 0
    assert a.read_text() == b.read_text()


def test_dask_bayes_method_bit_identical(client) -> None:  # type: ignore[no-untyped-def]
    from evisynth.meta.priors import HalfNormalPrior

    design = ev.SimDesign(k=3, tau=[0, 0.3], vi=RandomVariances(0.02, 0.3))
    methods = [("bayes", HalfNormalPrior(0.5)), "REML-knha"]
    local = ev.simulate(design, methods, reps=300, seed=6)
    remote = ev.simulate(design, methods, reps=300, seed=6, backend="dask", client=client)
    pd.testing.assert_frame_equal(local, remote, check_exact=True)
