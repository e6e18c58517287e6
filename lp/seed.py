"""Reference data that ``lp init`` loads and brings up to date after the migrations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from countries.seed import seed_countries


def _seeders() -> dict[str, Callable[[], Any]]:
    return {"countries": seed_countries}


def run_seeders() -> dict[str, Any]:
    """Run every seeder in order; return what each reported, by name."""
    return {name: seeder() for name, seeder in _seeders().items()}
