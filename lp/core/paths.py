"""Where the project's own files are: templates, translations, migrations, deployment examples."""

from __future__ import annotations

from pathlib import Path

#: The repository (or installed source tree) root: the folder that holds app.py.
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
