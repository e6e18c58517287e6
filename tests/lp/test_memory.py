"""A worker's garbage collection (lp.web.memory.settle): pages do not pay for full collections.

Run in a fresh interpreter each: ``settle`` freezes the objects of the process it runs in.
"""

import subprocess
import sys

from lp import PROJECT_ROOT

#: Draws 200 "pages" of 9,000 objects that live until the page is done (as the insights
#: overview's rows, figures and cells do), counting the full collections that fall in them.
PAGES = """
import gc, sys
from lp.web.memory import settle
if sys.argv[1] == "settled":
    settle()
full = []
gc.callbacks.append(lambda phase, info: full.append(1) if phase == "stop" and info["generation"] == 2 else None)
for _page in range(200):
    rows = [{"figures": [i, (i, str(i))]} for i in range(3_000)]
    del rows
print(len(full))
"""


def full_collections(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", PAGES, mode], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          check=True, timeout=120)
    return int(done.stdout)


def test_settled_worker_runs_no_full_collection_during_pages():
    assert full_collections("default") > 0  # Python's own thresholds: the pages' objects reach the oldest generation
    assert full_collections("settled") == 0
