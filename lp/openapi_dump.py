"""Write the OpenAPI document exactly as the app serves it, for the API lint gate (``make lint-api``).

    python -m lp.openapi_dump OUTPUT.json

The document is fetched from ``GET /api/v1/openapi.json`` with the app's test client, so
the linter judges what clients get, not a copy built another way. The app runs in a
throw-away instance directory on an empty SQLite file (the document needs no data), with
the mail sender and address of deploy/env.example, which info.contact is made of.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from lp import create_app


def dump(output: Path) -> None:
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"TESTING": True, "SECRET_KEY": "openapi-dump", "LP_INSTANCE_PATH": instance,
                          "DATABASE_URL": f"sqlite:///{instance}/dump.sqlite3",
                          "MAIL_FROM": "LP-tracker <lp-tracker@example.org>",
                          "LP_BASE_URL": "https://lp-tracker.example.org"})
        response = app.test_client().get("/api/v1/openapi.json")
        if response.status_code != 200:
            raise SystemExit(f"GET /api/v1/openapi.json answered {response.status_code}")
        output.write_text(json.dumps(response.json, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    dump(Path(sys.argv[1]))
