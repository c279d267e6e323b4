"""Fixtures shared by the test modules that run the pipeline against the bundled demo site."""

from __future__ import annotations

from pathlib import Path

import pytest

from akhbar.pipelines.localsite import LocalSite

DEMO_SITE = Path(__file__).resolve().parents[1] / "pipelines" / "demo_site"


@pytest.fixture(scope="module")
def site():
    """The demo outlets served over real HTTP on 127.0.0.1, one server per test module."""
    with LocalSite(DEMO_SITE) as running:
        yield running
