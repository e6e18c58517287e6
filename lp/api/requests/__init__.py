"""LP requests in the JSON API: the list with the UI's filters, create, read, change details, timeline.

The status and the outcome fields change only through ``POST .../events``, which
applies one lifecycle transition (or records a contact, a pause or a resume) with
the same services and rules as the UI. ``PATCH`` changes the other details only.
Dates are ISO (YYYY-MM-DD), moments ISO with offset, unset values null.
"""

from lp.api.requests.routes import bp
from lp.api.requests.schemas import SCHEMAS

__all__ = ["SCHEMAS", "bp"]
