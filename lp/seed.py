"""Reference data that ``lp init`` loads; each seeder only adds what is missing."""

from __future__ import annotations

from typing import Callable

SEEDERS: list[Callable[[], object]] = []


def run_seeders() -> None:
    """Run every seeder in order."""
    for seeder in SEEDERS:
        seeder()
