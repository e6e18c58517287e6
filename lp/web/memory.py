"""Garbage collection for a long-running web worker.

Python's cyclic collector walks every object it tracks when it collects its oldest
generation. After start-up a worker holds some 185,000 (modules, compiled templates,
SQLAlchemy's mappings, Babel's locale data), none of which will ever be garbage, and the
page during which such a collection falls pays for that walk. ``settle`` moves what
start-up made into the permanent generation (``gc.freeze``), so later collections walk
only what pages made since.

It also raises the youngest generation's threshold (Python's default is 700 new objects).
A page of the insights draws thousands of objects that live as long as the page does (rows,
figures, cells); with the default, a young collection ran every few hundred of them, found
them all alive, and moved them on to the older generations, until a full collection walked
them: 13 to 49 ms in one page out of ten or so at 100,000 requests (bench, 2026-11-30, p50
25 ms, p95 95 ms). With 10,000, they mostly die (by reference count) before a collection
sees them: no full collection in 300 page views. Larger thresholds make each young
collection itself a pause (50,000: spikes of 20 ms again).

Cycles made before the freeze are never collected, so it is called once per process,
after the app is made (app.py, which every gunicorn worker imports, and the bench), not
for each app the tests make.
"""

from __future__ import annotations

import gc

#: New objects before a young collection (Python's default: 700); the older generations keep theirs.
YOUNG_THRESHOLD = 10_000


def settle() -> int:
    """Collect what start-up left, then freeze the rest; return how many objects were frozen."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    return gc.get_freeze_count()
