"""Small-study effects: Egger-type regression, rank correlation, trim and fill, fail-safe N.

The definitions are those of R metafor 3.8-1 (``regtest``, ``ranktest``,
``trimfill``, ``fsn``); the numbers are checked against it (tests/reference/bias.R).

Every funnel-plot asymmetry result carries a ``warning`` text (also issued as an
:class:`~evisynth.errors.EvisynthWarning`) when there are fewer than 10 studies:
the Cochrane Handbook (section 10.4.3.1) advises that such tests be used only with
at least 10 studies, because with fewer their power is too low to distinguish
chance from real asymmetry.

References
----------
Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis
detected by a simple, graphical test. BMJ 315:629-634.
Sterne JAC, Egger M (2005). Regression methods to detect publication and other
bias in meta-analysis. In: Rothstein, Sutton, Borenstein (eds), Publication Bias
in Meta-Analysis. Wiley, 99-110.
Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test
for publication bias. Biometrics 50:1088-1101.
Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of
testing and adjusting for publication bias in meta-analysis. Biometrics
56:455-463; and JASA 95:89-98.
Rosenthal R (1979). The "file drawer problem" and tolerance for null results.
Psychol Bull 86:638-641. Orwin RG (1983). A fail-safe N for effect size in
meta-analysis. J Educ Stat 8:157-159. Rosenberg MS (2005). The file-drawer
problem revisited. Evolution 59:464-468.
Higgins JPT et al. (eds). Cochrane Handbook for Systematic Reviews of
Interventions, version 6, section 10.4.3.1.
"""

from evisynth.meta.bias._common import MIN_STUDIES_FOR_POWER as MIN_STUDIES_FOR_POWER
from evisynth.meta.bias.fsn import FsnResult, fsn
from evisynth.meta.bias.ranktest import MAX_EXACT_KENDALL as MAX_EXACT_KENDALL
from evisynth.meta.bias.ranktest import RankTestResult, ranktest
from evisynth.meta.bias.regtest import PREDICTORS as PREDICTORS
from evisynth.meta.bias.regtest import RegTestResult, regtest
from evisynth.meta.bias.trimfill import TrimFillResult, trimfill

__all__ = [
    "FsnResult",
    "RankTestResult",
    "RegTestResult",
    "TrimFillResult",
    "fsn",
    "ranktest",
    "regtest",
    "trimfill",
]
