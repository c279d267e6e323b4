"""The house rules: one installed name, and rooms whose names say what they may import.

    python -m pytest tests/test_layout.py -q
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import akhbar

TRANSFORMS = Path(akhbar.__file__).resolve().parent.parent / "transforms"
# Rooms of plain Python: what each must never import, directly or through another module.
PURE_ROOMS = {
    "text": ("apache_beam", "akhbar.transforms.stages", "akhbar.pipelines", "akhbar.transforms.web"),
    "web": ("apache_beam", "akhbar.transforms.stages", "akhbar.pipelines"),
    "memory": ("apache_beam", "akhbar.transforms.stages", "akhbar.pipelines"),
}


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _pure_modules() -> list[tuple[str, Path]]:
    found = [(room, path) for room in PURE_ROOMS for path in sorted((TRANSFORMS / room).glob("*.py"))]
    found.append(("article", TRANSFORMS / "article.py"))
    return found


def _forbidden(room: str) -> tuple[str, ...]:
    return PURE_ROOMS.get(room, PURE_ROOMS["web"])


@pytest.mark.parametrize("room, path", _pure_modules(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_pure_module_source_imports_no_beam_and_no_stage(room, path):
    bad = sorted(
        name for name in _imported_names(path) for prefix in _forbidden(room) if name == prefix or name.startswith(prefix + ".")
    )
    assert not bad, f"{path.relative_to(TRANSFORMS.parent)} imports {bad}"


def test_pure_modules_pull_in_no_beam_at_import_time():
    """Also catches an indirect import (a text module importing a helper that imports a stage)."""
    modules = [f"akhbar.transforms.{room}.{path.stem}" if room != "article" else "akhbar.transforms.article"
               for room, path in _pure_modules() if path.stem != "__init__"]
    probe = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'apache_beam' "
        "or m.startswith(('akhbar.transforms.stages', 'akhbar.pipelines')))))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_layout_test_would_catch_a_beam_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from apache_beam import DoFn\nfrom akhbar.transforms.stages.write import WriteRunTables\n")
    assert {"apache_beam.DoFn", "akhbar.transforms.stages.write"} <= _imported_names(sneaky)


def test_every_module_is_in_a_room():
    loose = sorted(p.name for p in TRANSFORMS.glob("*.py") if p.name not in ("__init__.py", "article.py"))
    assert loose == [], f"modules outside text/, web/, stages/, memory/: {loose}"


def test_user_folders_named_like_ours_change_no_output(tmp_path):
    """An Airflow dags folder with its own configs/ or schemas/ first on sys.path."""
    decoys = tmp_path / "dags"
    for name in ("configs", "schemas", "transforms", "pipelines"):
        (decoys / name).mkdir(parents=True)
        (decoys / name / "__init__.py").write_text("raise ImportError('user package imported by akhbar')\n")
    text = tmp_path / "article.txt"
    text.write_text(
        "قال وزير الخارجية الأردني أيمن الصفدي في عمّان أمس الأربعاء إن المحادثات مع نظيره التركي "
        "تناولت ملف المياه والتجارة بين البلدين، وأضاف أن الجانبين اتفقا على عقد اجتماع جديد في أنقرة "
        "الشهر المقبل لمتابعة ما تم التوصل إليه من تفاهمات حول المعابر الحدودية وحركة الشاحنات.",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "akhbar", "extract", "--text", str(text)]
    plain = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    shadowed = subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=decoys, env=_env_with_pythonpath(decoys)
    )
    assert plain.returncode == 0, plain.stderr
    assert shadowed.returncode == 0, shadowed.stderr
    row, row_shadowed = json.loads(plain.stdout), json.loads(shadowed.stdout)
    assert "rejected" not in row and row["language"] == "ar" and row["entities"]
    volatile = {"fetched_at"}  # the clock, not the code
    assert {k: v for k, v in row_shadowed.items() if k not in volatile} == {
        k: v for k, v in row.items() if k not in volatile
    }


def _env_with_pythonpath(first: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(first), *filter(None, [env.get("PYTHONPATH")])])
    return env


def test_rejects_stage_documentation_lists_the_stages_the_code_emits():
    """Every stage name a module passes to a Reject is in the REJECTS table's documentation, and no other."""
    import re

    from akhbar import schemas

    documented = set(re.findall(r"[a-z_]+", schemas.REJECTS.field("stage").metadata[b"doc"].decode().split(":", 1)[1]))
    emitted = set()
    # pipelines/ too: housekeeping writes rejects of its own (stage "storage").
    for path in [*TRANSFORMS.rglob("*.py"), *(TRANSFORMS.parent / "pipelines").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        emitted.update(re.findall(r'^\s*(?:STAGE|stage)(?:: ClassVar\[str\])? = "([a-z_]+)"', source, flags=re.M))
        emitted.update(re.findall(r'Reject\.make\([^,]+,[^,]+,\s*"([a-z_]+)"', source))
    emitted.discard("")
    assert emitted and emitted == documented
