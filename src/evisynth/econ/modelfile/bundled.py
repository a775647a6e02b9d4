"""The model files shipped with evisynth (``data/econ/*.toml``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evisynth.errors import InputError

__all__ = ["bundled_model_path", "bundled_models"]


def bundled_models() -> list[str]:
    """Names of the model files shipped with evisynth (``data/econ/*.toml``).

    Examples
    --------
    >>> len(bundled_models()) >= 1
    True
    """
    d = Path(str(resources.files("evisynth") / "data" / "econ"))
    return sorted(p.stem for p in d.glob("*.toml"))


def bundled_model_path(name: str) -> Path:
    """Path of a model file shipped with evisynth (``data/econ/<name>.toml``).

    Raises
    ------
    InputError
        If there is no such bundled model.

    Examples
    --------
    >>> bundled_model_path(bundled_models()[0]).suffix
    '.toml'
    """
    p = Path(str(resources.files("evisynth") / "data" / "econ" / f"{name}.toml"))
    if not p.exists():
        raise InputError(f"no bundled model {name!r}; bundled models: "
                         f"{', '.join(bundled_models())}", where="model")
    return p
