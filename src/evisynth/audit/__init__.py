"""Audit of reported statistics: find them in text and check that they add up.

``audit(text)`` extracts ratios with CIs and p-values, arm percentages, counts,
arm sizes, medians, landmark survival, costs per QALY, design words and dose
statements, then checks them against each other with tolerances implied by the
printed digits. ``check_ratio`` and friends audit numbers that are already parsed.

Modules: :mod:`~evisynth.audit.numbers` (printed numbers and their rounding
intervals), :mod:`~evisynth.audit.extraction` (patterns: ``extract_effects``,
``extract_arms``, ``extract_medians``, ``extract_costs``, ``extract_design``, with
``patterns`` and ``items``), :mod:`~evisynth.audit.checks` (rules: ``rules``,
``ratio_rules``, ``arm_rules``, ``survival_rules``), :mod:`~evisynth.audit.labels`
(dosing against :mod:`evisynth.clinic`),
:mod:`~evisynth.audit.text` (which numbers are checked together),
:mod:`~evisynth.audit.structured` (parsed numbers), :mod:`~evisynth.audit.report`
(the result), :mod:`~evisynth.audit.sources` (files and HTML).
"""

import sys
import types
from typing import Any

from evisynth.audit.checks import RULES, SEVERITIES, Check
from evisynth.audit.extraction import Item, extract
from evisynth.audit.numbers import Num, parse_number, parse_p
from evisynth.audit.report import AuditReport
from evisynth.audit.sources import html_to_text, read_text
from evisynth.audit.structured import (
    as_p,
    check_arms,
    check_icer,
    check_interval,
    check_percent,
    check_ratio,
    check_two_arms,
)
from evisynth.audit.text import MAX_CHARS, audit

__all__ = [
    "MAX_CHARS",
    "RULES",
    "SEVERITIES",
    "AuditReport",
    "Check",
    "Item",
    "Num",
    "as_p",
    "audit",
    "check_arms",
    "check_icer",
    "check_interval",
    "check_percent",
    "check_ratio",
    "check_two_arms",
    "extract",
    "html_to_text",
    "parse_number",
    "parse_p",
    "read_text",
]


class _CallableModule(types.ModuleType):
    """``evisynth.audit`` is this package and, called, :func:`evisynth.audit.text.audit`.

    ``ev.audit(text)`` is the public entry point, while ``import evisynth.audit.checks``
    and ``evisynth.audit.check_ratio`` must keep working: a plain function named
    ``audit`` on the ``evisynth`` package would shadow the subpackage for them.
    """

    def __call__(self, text: str, **kwargs: Any) -> AuditReport:
        return audit(text, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
