"""Recall and false-alarm rate of ``evisynth.audit`` on a generated corpus (issue 15).

    .venv/bin/python bench/audit_corpus.py [--n 12000] [--seed 2026] [--out bench/RESULTS-audit.md]

Each of ``n`` clean statements (ratios with CI and p, counts with percentages,
"x% of n", arm sizes with a total, two arm percentages with their risk ratio) is
generated from exact values, rounded and rendered in random formats and Unicode
variants (tests/audit/corpus.py). Each gets one injected error (a changed digit,
swapped CI bounds, a wrong p-value). An oracle independent of the audit code
(scipy linprog / grid / integer arithmetic) says whether the injected statement can
still be explained by rounding; only those that cannot count towards recall.

- false alarm: a clean statement with any finding of severity inconsistent or
  implausible;
- recall: injected statements beyond rounding with such a finding.
Never run as a test (tests/audit/test_audit_corpus.py runs a small version).
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evisynth.audit import audit  # noqa: E402
from tests.audit.corpus import corpus, feasible  # noqa: E402

SEV = ("inconsistent", "implausible")


def run(n: int, seed: int) -> dict[str, object]:
    clean_n: collections.Counter[str] = collections.Counter()
    clean_fa: collections.Counter[str] = collections.Counter()
    clean_incons: collections.Counter[str] = collections.Counter()
    inj_n: collections.Counter[tuple[str, str]] = collections.Counter()
    inj_hit: collections.Counter[tuple[str, str]] = collections.Counter()
    inj_any: collections.Counter[tuple[str, str]] = collections.Counter()
    within: collections.Counter[str] = collections.Counter()
    misses: list[str] = []
    alarms: list[str] = []
    t0 = time.perf_counter()
    n_audits = 0
    for clean, bad in corpus(n, seed):
        assert feasible(clean), clean.text
        r = audit(clean.text)
        n_audits += 1
        clean_n[clean.kind] += 1
        if any(f.severity in SEV for f in r.findings):
            clean_fa[clean.kind] += 1
            alarms.append(f"{clean.text!r}: {r.findings[0].message}")
        if any(f.severity == "inconsistent" for f in r.findings):
            clean_incons[clean.kind] += 1
        if bad is None:
            continue
        if feasible(bad):
            within[bad.kind] += 1
            continue
        key = (bad.kind, bad.injected)
        inj_n[key] += 1
        r = audit(bad.text)
        n_audits += 1
        if r.findings:
            inj_any[key] += 1
        if any(f.severity in SEV for f in r.findings):
            inj_hit[key] += 1
        else:
            misses.append(f"{bad.injected}: {bad.text!r} -> {r.summary().splitlines()[-1]}")
    secs = time.perf_counter() - t0
    return {
        "clean_n": clean_n, "clean_fa": clean_fa, "clean_incons": clean_incons,
        "inj_n": inj_n, "inj_hit": inj_hit, "inj_any": inj_any, "within": within, "misses": misses,
        "alarms": alarms, "secs": secs, "n_audits": n_audits,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    res = run(a.n, a.seed)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    cn, cfa, cin = res["clean_n"], res["clean_fa"], res["clean_incons"]
    inn, ih, wi, ia = res["inj_n"], res["inj_hit"], res["within"], res["inj_any"]
    assert isinstance(cn, collections.Counter) and isinstance(cfa, collections.Counter)
    assert isinstance(cin, collections.Counter) and isinstance(inn, collections.Counter)
    assert isinstance(ih, collections.Counter) and isinstance(wi, collections.Counter)
    assert isinstance(ia, collections.Counter)
    tot_c, tot_fa, tot_in = sum(cn.values()), sum(cfa.values()), sum(cin.values())
    tot_i, tot_h, tot_a = sum(inn.values()), sum(ih.values()), sum(ia.values())
    lines = [
        "# Audit: recall and false alarms on a generated corpus (issue 15)",
        "",
        f"Command: `.venv/bin/python bench/audit_corpus.py --n {a.n} --seed {a.seed}`  ",
        f"Git commit: `{commit}` (the measured code; results written by that run).  ",
        f"{res['n_audits']} audits in {res['secs']:.1f} s "
        f"({1000 * float(res['secs']) / max(1, int(res['n_audits'])):.2f} ms per statement).",  # type: ignore[arg-type]
        "",
        "Finding = a check failed with severity `inconsistent` or `implausible` "
        "(notes not counted).",
        "",
        "## Clean statements (consistent values, random rounding and formats)",
        "",
        "| kind | statements | with a finding | with an `inconsistent` finding |",
        "|---|---:|---:|---:|",
    ]
    for k in sorted(cn):
        lines.append(f"| {k} | {cn[k]} | {cfa[k]} | {cin[k]} |")
    lines += [
        f"| **all** | **{tot_c}** | **{tot_fa}** ({100 * tot_fa / tot_c:.3f}%) | "
        f"**{tot_in}** ({100 * tot_in / tot_c:.3f}%) |",
        "",
        "## Injected errors beyond rounding tolerance (decided by the independent oracle)",
        "",
        "| kind | injection | statements | found | recall | flagged at any severity |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for k in sorted(inn):
        lines.append(f"| {k[0]} | {k[1]} | {inn[k]} | {ih[k]} | {100 * ih[k] / inn[k]:.2f}% | "
                     f"{100 * ia[k] / inn[k]:.2f}% |")  # fmt: skip
    lines += [
        f"| **all** | | **{tot_i}** | **{tot_h}** | **{100 * tot_h / max(1, tot_i):.2f}%** | "
        f"**{100 * tot_a / max(1, tot_i):.2f}%** |",
        "",
        f"Injected statements still explainable by rounding (not counted): {sum(wi.values())} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(wi.items()))}).",
        "",
        "## Misses (first 10)",
        "",
    ]
    lines += [f"- {m}" for m in res["misses"][:10]] or ["- none"]  # type: ignore[index]
    lines += ["", "## False alarms (first 10)", ""]
    lines += [f"- {m}" for m in res["alarms"][:10]] or ["- none"]  # type: ignore[index]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out is not None:
        a.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
