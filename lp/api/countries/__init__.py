"""Country profiles in the JSON API: list, read and change them.

Values appear in the field definitions' text form (countries.fields), except that
numbers are numbers and unset numbers, dates and portfolio holders are null; a
PATCH takes values in the same form, parsed by the same rules as the UI and CSV.
"""

from lp.api.countries.routes import bp
from lp.api.countries.schemas import SCHEMAS

__all__ = ["SCHEMAS", "bp"]
