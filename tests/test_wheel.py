"""The wheel as a new user gets it: a fresh venv with that venv's own pip, no upgrade, run from elsewhere.

    python -m pytest tests/test_wheel.py -q     # about two minutes: installs the dependencies into a new venv
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_wheel_installs_with_the_venv_own_pip_and_runs_the_demo(tmp_path):
    wheels = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(REPO)])
    (wheel,) = wheels.glob("akhbar-*.whl")

    base_python = getattr(sys, "_base_executable", sys.executable)
    venv = tmp_path / "venv"
    _run([base_python, "-m", "venv", str(venv)])
    pip_version = _run([str(venv / "bin" / "python"), "-m", "pip", "--version"]).stdout
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)])

    files = _run([str(venv / "bin" / "python"), "-m", "pip", "show", "-f", "akhbar"]).stdout
    listed = [line.strip() for line in files.split("Files:", 1)[1].splitlines() if line.strip()]
    outside = [f for f in listed if not (f.startswith("akhbar/") or f.startswith("akhbar-") or f.startswith("../../../bin/"))]
    assert listed and outside == [], f"installed outside akhbar/: {outside[:10]}"
    assert any(f == "akhbar/configs/models/topics.npz" for f in listed)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    version = _run([str(venv / "bin" / "akhbar"), "--version"], cwd=elsewhere, env=env).stdout
    assert version.strip().startswith("akhbar ")
    demo = _run([str(venv / "bin" / "akhbar"), "demo", "--output", str(elsewhere / "out")], cwd=elsewhere, env=env)
    assert (elsewhere / "out" / "articles").is_dir(), demo.stdout
    assert "ImportError" not in demo.stderr and "Traceback" not in demo.stderr, demo.stderr[-2000:]
    articles = list((elsewhere / "out" / "articles").rglob("*.parquet"))
    assert len(articles) >= 10, f"{pip_version}: {demo.stdout[-2000:]}"
