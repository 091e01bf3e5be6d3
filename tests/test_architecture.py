"""The layering holds: every import in src/truestrength points down, and there is no cycle."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "check_layers.py"


@pytest.fixture(scope="module")
def layers():
    spec = importlib.util.spec_from_file_location("check_layers", TOOL)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["check_layers"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_the_package_imports_only_downwards_and_has_no_cycle(layers):
    assert layers.check() == []


def _fake_package(root: Path, files: dict[str, str]) -> Path:
    src = root / "truestrength"
    for name, text in {"__init__.py": "", **files}.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return src


def test_an_upward_import_is_caught_even_inside_a_function(layers, tmp_path, monkeypatch):
    src = _fake_package(tmp_path, {
        "base/__init__.py": "", "base/a.py": "def f():\n    from truestrength.models import b\n",
        "models/__init__.py": "", "models/b.py": "from truestrength.base import a\n",
    })
    monkeypatch.setattr(layers, "SRC", src)
    problems = layers.check()
    assert any("truestrength.base.a (base) imports truestrength.models.b (models)" in p
               for p in problems), problems
    assert any(p.startswith("import cycle") for p in problems), problems


def test_a_cycle_within_one_layer_is_caught(layers, tmp_path, monkeypatch):
    src = _fake_package(tmp_path, {
        "features/__init__.py": "",
        "features/x.py": "from truestrength.features.y import Y\nX = 1\n",
        "features/y.py": "from truestrength.features import x\nY = 2\n",
    })
    monkeypatch.setattr(layers, "SRC", src)
    problems = layers.check()
    assert len(problems) == 1 and problems[0].startswith("import cycle"), problems
