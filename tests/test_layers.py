"""The direction of dependencies is enforced: import-linter's contracts in pyproject.toml hold.

Dependencies point one way (lp.core <- lp.web with lp.auth and lp.mail <- countries <-
lp.persons, lp.requests <- lp.reminders, lp.insights, lp.privacy <- lp.api, lp.main,
lp.admin, lp.demo); a feature that must react to a change below it listens to a signal in
lp.core.signals.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` on the packages under ``root`` with its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=60)


def test_the_layer_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _python_only(directory: str, names: list[str]) -> set[str]:
    return {name for name in names if name == "__pycache__"
            or (not name.endswith(".py") and not os.path.isdir(os.path.join(directory, name)))}


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    for package in ("lp", "countries"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=_python_only)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(("module", "upward", "refusal"), [
    ("countries/upward.py", "from lp.requests import services", "countries is not allowed to import lp.requests"),
    ("lp/requests/upward.py", "from lp.reminders import sweep", "lp.requests is not allowed to import lp.reminders"),
    ("lp/core/upward.py", "import countries.models", "lp.core is not allowed to import countries"),
    # Hidden in a function or behind TYPE_CHECKING (as the models' relationship types are), it still counts.
    ("lp/requests/upward.py", "def later():\n    from lp.reminders import sweep",
     "lp.requests is not allowed to import lp.reminders"),
    ("countries/upward.py",
     "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from lp.requests.models import LpRequest",
     "countries is not allowed to import lp.requests"),
])
def test_an_upward_import_breaks_a_contract(copy_of_the_code: Path, module: str, upward: str, refusal: str):
    (copy_of_the_code / module).write_text(f'"""An import against the layers."""\n\n{upward}\n')
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    assert refusal in result.stdout
    assert "BROKEN" in result.stdout
