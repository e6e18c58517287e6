"""Garbage collection for a long-running web worker.

Python's cyclic collector walks every object it tracks when it collects its oldest
generation. After start-up a worker holds some 185,000 (modules, compiled templates,
SQLAlchemy's mappings, Babel's locale data), none of which will ever be garbage, and the
page during which such a collection falls pays for that walk. ``settle`` moves what
start-up made into the permanent generation (``gc.freeze``), so later collections walk
only what pages made since.

Cycles made before the freeze are never collected, so it is called once per process,
after the app is made (app.py, which every gunicorn worker imports, and the bench), not
for each app the tests make.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect what start-up left, then freeze the rest; return how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
