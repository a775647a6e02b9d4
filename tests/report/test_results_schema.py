"""results.json follows its shipped, versioned JSON Schema (draft 2020-12)."""

from __future__ import annotations

import json
import math
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth.meta._scale import analysis_scale
from evisynth.report import results_json
from evisynth.report.schema import (
    SCHEMA_VERSION,
    load_schema,
    normalise,
    reporting_scale,
    schema_path,
)
from evisynth.review import load_bundled
from evisynth.review.analyse import analyse_review
from evisynth.transforms import back_transform

BUNDLED = ("cart_dlbcl", "bcg_vaccine", "example_km")


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return {name: json.loads(results_json(analyse_review(load_bundled(name))))
            for name in BUNDLED}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def keys_anywhere(x: Any) -> set[str]:
    if isinstance(x, dict):
        return set(x) | {k for v in x.values() for k in keys_anywhere(v)}
    if isinstance(x, list):
        return {k for v in x for k in keys_anywhere(v)}
    return set()


def test_schema_is_shipped_in_the_package() -> None:
    p = schema_path()
    assert p.is_file() and "evisynth" in p.parts
    assert load_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_results_json_validates(documents, validator, name) -> None:
    doc = documents[name]
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(doc)]
    assert errors == []
    assert doc["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize("name", BUNDLED)
def test_one_key_for_the_test_statistic(documents, name) -> None:
    doc = documents[name]
    assert not keys_anywhere(doc) & {"zval", "tval"}
    for entry in doc["outcomes"].values():
        if entry.get("analysed") is False:
            continue
        assert entry["stat_name"] == ("zval" if entry["test"] == "z" else "tval")


@pytest.mark.parametrize("name", BUNDLED)
def test_scales_are_named_and_right(documents, name) -> None:
    for entry in documents[name]["outcomes"].values():
        if entry.get("analysed") is False:
            continue
        m = entry["measure"]
        assert entry["scale"] == analysis_scale(m)
        tr = entry["transformed"]
        assert tr["scale"] == reporting_scale(m)
        if m != "PFT":  # the PFT inverse needs the sample sizes
            want = float(back_transform(m)(entry["estimate"]))
            assert math.isclose(tr["estimate"], want, rel_tol=1e-12)
        if entry["headline"] is not None:
            assert entry["headline"]["scale"] == reporting_scale(m)


def test_the_rules_bite(documents, validator) -> None:
    doc = json.loads(json.dumps(documents["bcg_vaccine"]))
    entry = next(iter(doc["outcomes"].values()))
    entry["zval"] = entry.pop("stat")
    assert not validator.is_valid(doc)
    doc = json.loads(json.dumps(documents["bcg_vaccine"]))
    del next(iter(doc["outcomes"].values()))["transformed"]["scale"]
    assert not validator.is_valid(doc)


JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                      st.text(max_size=5))
KEYS = st.sampled_from(["zval", "tval", "estimate", "ci_lb", "measure", "transformed",
                        "headline", "x", "stat"])
DOCS = st.recursive(JSON_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(doc=st.dictionaries(KEYS, DOCS, max_size=4))
def test_normalise_is_idempotent_and_keeps_every_value(doc) -> None:
    once = normalise(doc)
    assert normalise({k: v for k, v in once.items() if k != "schema_version"}) == once
    assert set(doc) - {"zval", "tval"} <= set(once)
    if "stat" not in doc:
        assert not {"zval", "tval"} & set(once)
        if doc.keys() & {"zval", "tval"}:
            assert once["stat_name"] in doc
