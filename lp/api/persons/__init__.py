"""Persons in the JSON API: find them, register them with their identity documents, read one.

Values appear as the person fields define them (lp.persons.services): dates ISO,
the claimed nationality as an alpha-2 code, the case officer by email, unset null;
a POST takes them in the same form and parses them by the same rules as the UI.
"""

from lp.api.persons.routes import bp
from lp.api.persons.schemas import SCHEMAS

__all__ = ["SCHEMAS", "bp"]
