"""Reference data that ``lp init`` loads; each seeder only adds what is missing."""

from __future__ import annotations

from typing import Callable

from countries.seed import seed_countries

def _seeders() -> list[Callable[[], object]]:
    return [seed_countries]


def run_seeders() -> None:
    """Run every seeder in order."""
    for seeder in _seeders():
        seeder()
