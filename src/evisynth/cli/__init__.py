"""The ``evisynth`` command line (see :mod:`evisynth.cli._app`).

Each command group lives in its own module and registers itself on the shared
``app``; importing them here is what makes the commands exist.
"""

from evisynth.cli import audit as _audit  # noqa: F401  (registers its commands)
from evisynth.cli import clinic as _clinic  # noqa: F401  (registers its commands)
from evisynth.cli import econ as _econ  # noqa: F401  (registers its commands)
from evisynth.cli import meta as _meta  # noqa: F401  (registers its commands)
from evisynth.cli import review as _review  # noqa: F401  (registers its commands)
from evisynth.cli import run as _run  # noqa: F401  (registers its commands)
from evisynth.cli import simulate as _simulate  # noqa: F401  (registers its commands)
from evisynth.cli import survival as _survival  # noqa: F401  (registers its commands)
from evisynth.cli._app import app, main

__all__ = ["app", "main"]
