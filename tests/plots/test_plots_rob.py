"""Risk-of-bias traffic-light figure: one mark per study and domain, colour plus symbol."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Circle

from evisynth.errors import InputError
from evisynth.plots import ROB2_DOMAINS, get_alt, rob_traffic_light, to_svg
from evisynth.plots.rob import ROB_JUDGEMENTS, ROBINS_I_DOMAINS
from tests.plots._checks import outside_figure, overlapping_texts, text_boxes

TABLE = {
    "Trial A (2022)": {"D1": "some concerns", "D2": "Some Concerns", "D3": "low", "D4": "low",
                       "D5": "low", "Overall": "some concerns"},
    "Trial B (2023)": {"D1": "low", "D2": "high", "D3": "low", "D4": "no information",
                       "D5": "low", "overall": "high"},
    "Trial C": {"D1": "low", "D3": None},  # D2, D4, D5, overall not judged: no information
}


def _marks(fig: object) -> list[Circle]:
    return [c for c in fig.findobj(Circle)  # type: ignore[attr-defined]
            if str(c.get_gid()).startswith("rob-") and c.get_gid() != "rob-legend"]


def test_one_mark_per_study_and_domain_with_symbols() -> None:
    fig = rob_traffic_light(TABLE, title="Risk of bias (RoB 2)")
    marks = _marks(fig)
    assert len(marks) == 3 * len(ROB2_DOMAINS)
    gids = [c.get_gid() for c in marks]
    # row by row, columns D1-D5 then Overall
    assert gids[:6] == ["rob-some-concerns", "rob-some-concerns", "rob-low", "rob-low",
                        "rob-low", "rob-some-concerns"]
    assert gids[6:12] == ["rob-low", "rob-high", "rob-low", "rob-no-information", "rob-low",
                          "rob-high"]
    assert gids[12:] == ["rob-low"] + ["rob-no-information"] * 5
    # colour and symbol agree for every judgement
    texts = [s for s, _ in text_boxes(fig)]
    for c in marks:
        j = str(c.get_gid())[4:].replace("-", " ")
        assert to_hex(c.get_facecolor()) == ROB_JUDGEMENTS["RoB 2"][j][1].lower()
    symbols = {sym for sym, _, _ in ROB_JUDGEMENTS["RoB 2"].values()}
    assert len(symbols) == 4  # told apart without colour
    assert sum(t in symbols for t in texts) == len(marks) + 4  # + one per legend entry
    for word in ("Low", "Some concerns", "High", "No information", "Overall", "D5"):
        assert word in texts
    assert any(t.startswith("D1: Bias arising from the randomisation process") for t in texts)
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []


def test_alt_text_and_svg() -> None:
    fig = rob_traffic_light(TABLE)
    alt = get_alt(fig) or ""
    assert "Trial B (2023): D1 low, D2 high, D3 low, D4 no information, D5 low, Overall high." \
        in alt
    svg = to_svg(fig)
    assert svg == to_svg(rob_traffic_light(TABLE)) and "<text" in svg and "<title>" in svg


def test_dataframe_and_custom_domains() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"D1": ["low", "high"], "D2": ["low", None]}, index=["X", "Y"])
    fig = rob_traffic_light(df, domains={"D1": "Confounding", "D2": "Selection"})
    assert [c.get_gid() for c in _marks(fig)] == ["rob-low", "rob-low", "rob-high",
                                                  "rob-no-information"]
    assert "D1: Confounding" in [s for s, _ in text_boxes(fig)]


def test_bad_tables() -> None:
    with pytest.raises(InputError, match=r"'table'.*non-empty mapping"):
        rob_traffic_light({})
    with pytest.raises(InputError, match=r"study 'A', domain 'D1': judgement 'unclear'"):
        rob_traffic_light({"A": {"D1": "unclear"}})
    with pytest.raises(InputError, match=r"study 'A': domains \['D7'\] are not among"):
        rob_traffic_light({"A": {"D7": "low"}})
    with pytest.raises(InputError, match="'domains'"):
        rob_traffic_light({"A": {"D1": "low"}}, domains="D1")


def test_robins_i_domains_and_judgements() -> None:
    table = {"Cohort A": {"D1": "serious", "D2": "moderate", "D3": "low", "D6": "critical",
                          "overall": "critical"}}
    fig = rob_traffic_light(table, tool="ROBINS-I")
    gids = [c.get_gid() for c in _marks(fig)]
    assert len(gids) == len(ROBINS_I_DOMAINS) == 8
    assert gids == ["rob-serious", "rob-moderate", "rob-low", "rob-no-information",
                    "rob-no-information", "rob-critical", "rob-no-information", "rob-critical"]
    symbols = {sym for sym, _, _ in ROB_JUDGEMENTS["ROBINS-I"].values()}
    assert len(symbols) == 5  # told apart without colour
    texts = [s for s, _ in text_boxes(fig)]
    assert "Critical" in texts and "D7: Bias in selection of the reported result" in texts
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []
    with pytest.raises(InputError, match="judgement 'high' is not one of"):
        rob_traffic_light({"A": {"D1": "high"}}, tool="ROBINS-I")
    with pytest.raises(InputError, match="'tool'"):
        rob_traffic_light(table, tool="ROBINS-E")
