"""akhbar: Arabic news feeds → clean, partitioned Parquet tables, as an Apache Beam pipeline.

    python -m akhbar --version

Everything the distribution installs lives under this one name. The repository keeps its
folders by role (``pipelines/``, ``transforms/``, ``schemas/``, ``configs/``) and
``pyproject.toml`` maps each onto ``akhbar.<folder>`` (see the README's architecture section).
"""

from importlib import metadata

try:
    __version__ = metadata.version("akhbar")
except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
