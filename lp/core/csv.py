"""The spreadsheet CSV every export shares: encoding, separators, formula-injection escaping, row names.

UTF-8 with a byte order mark, ``;`` between cells (what Dutch Excel expects) or ``,``
on request, CRLF line ends, quotes only where needed.

Formula injection (OWASP "CSV injection"): a cell whose text, after any leading
apostrophes, starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written with one extra ``'`` in front, so a spreadsheet shows it as text. An import
removes exactly that one apostrophe again, so every value round-trips unchanged.
"""

from __future__ import annotations

import csv
from typing import IO, Any

from flask_babel import lazy_gettext as _l

BOM = "\ufeff"
DELIMITERS = (";", ",")
DEFAULT_DELIMITER = ";"
#: What a spreadsheet may take for the start of a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_writer(out: IO[str], delimiter: str = DEFAULT_DELIMITER) -> Any:
    """Start a CSV file in ``out`` (the byte order mark) and return a writer in the shared format."""
    if delimiter not in DELIMITERS:
        raise ValueError(delimiter)
    out.write(BOM)
    return csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def escape_cell(text: str) -> str:
    """Neutralise text a spreadsheet could run as a formula by prefixing one ``'``."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def unescape_cell(text: str) -> str:
    """Undo ``escape_cell``: drop the one ``'`` it added, and nothing else."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text


def row_label(row: int, code: str | None = None) -> Any:
    """Name a row as a spreadsheet numbers it, with the record's code: "Row 138 (MA)".

    The header is row 1 and every record one row, however many line breaks its quoted
    cells hold: the number Excel shows, not a text editor's line.
    """
    if code:
        return _l("Row %(row)d (%(code)s)", row=row, code=code)
    return _l("Row %(row)d", row=row)
