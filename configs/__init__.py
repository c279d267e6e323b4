"""Data files shipped with the package: rules, vocabularies, gazetteers, trained models.

    python -c "from akhbar import configs; print(configs.load_yaml('topics.yaml')['topics'][0])"

Everything here is data, loaded by the pure modules in ``transforms/``; each file says
where its content came from in a comment at its top.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


def path(name: str) -> Path:
    """Filesystem path of a shipped data file, e.g. ``path('models/topics.npz')``."""
    return Path(str(resources.files(__name__).joinpath(name)))


# PyYAML's C parser (libyaml, in PyYAML's wheels) reads these files into the same objects as the
# pure-Python safe loader, ~8x faster: the gazetteer alone took 0.3 s of every worker's start-up.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def load_yaml(name: str) -> Any:
    """Parsed content of a shipped YAML file (cached: treat it as read-only)."""
    with open(path(name), encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_SAFE_LOADER)
