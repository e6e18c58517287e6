"""The CSV format of country profiles: columns, encoding, escaping, reading and writing.

One row per country, ordered by ``alpha2``. The columns, in this order:

- ``alpha2, alpha3, name_nl, name_en, region``: reference data. Exported; on import
  only ``alpha2`` is read (it identifies the country), the others are ignored.
- every field of ``countries.fields.COUNTRY_FIELDS`` by its name
  (``portfolio_holder`` as the account's email address);
- the agreements flattened as ``agreement_<n>_<field>`` for each field of
  ``AGREEMENT_FIELDS``, n = 1..N, then the missions as ``mission_<n>_<field>`` for
  each field of ``MISSION_FIELDS``, n = 1..M. N and M are the largest number any
  exported country has, but at least 2 and 3, so a fixed data set always gets the
  same header. An import accepts any N and M; a group whose cells are all empty is
  no item.

Values: dates as ISO ``YYYY-MM-DD``, choices by their code (``yes``, ``no``,
``sometimes``, ``unknown``, ``eu_readmission``, ...), an empty cell is "none" or the
field's default.

Encoding and formula-injection escaping: the shared spreadsheet format of
``lp.core.csv``. An import detects the separator from the header line, takes the BOM
as optional and removes exactly the one apostrophe an export added.

This module touches no database: it turns model objects into rows and rows into
parsed values; ``countries.csv_import`` compares and applies them.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from countries.fields import AGREEMENT_FIELDS, COUNTRY_FIELDS, MISSION_FIELDS
from countries.models import Country
from lp.core.csv import DEFAULT_DELIMITER, escape_cell, row_label, spreadsheet_writer, unescape_cell
from lp.core.fields import FieldError, FieldSpec

REFERENCE_COLUMNS = ("alpha2", "alpha3", "name_nl", "name_en", "region")
#: Each flattened item group: its fields and how many groups an export has at least.
ITEM_GROUPS: dict[str, tuple[tuple[FieldSpec, ...], int]] = {
    "agreement": (AGREEMENT_FIELDS, 2),
    "mission": (MISSION_FIELDS, 3),
}
#: How many problems an import lists; the others are only counted, so the answer stays small.
ERRORS_SHOWN = 100
_ITEM_COLUMN = re.compile(r"^(agreement|mission)_([1-9][0-9]{0,2})_([a-z0-9_]+)$")


@dataclass(frozen=True, slots=True)
class CellError:
    """A problem with the file: at a spreadsheet row (1 = header), a country and a column when known."""

    row: int | None
    column: str | None
    message: Any
    code: str | None = None

    @property
    def row_text(self) -> str:
        """Return the row as a person finds it ("Row 138 (MA)"), or "" for the whole file."""
        return str(row_label(self.row, self.code)) if self.row is not None else ""

    def __str__(self) -> str:
        where = [self.row_text] if self.row is not None else []
        if self.column:
            where.append(str(_l("column %(column)s", column=self.column)))
        return f"{', '.join(where)}: {self.message}" if where else str(self.message)


class CsvImportError(Exception):
    """The file cannot be imported; ``errors`` lists the first problems found, ``total`` counts all."""

    def __init__(self, errors: list[CellError], total: int | None = None):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
        self.total = len(errors) if total is None else total

    @property
    def more(self) -> int:
        """Return how many problems were found beyond those listed."""
        return self.total - len(self.errors)


class ErrorLog:
    """Collect a file's problems: keep the first ``ERRORS_SHOWN`` to show and count them all."""

    def __init__(self) -> None:
        self.shown: list[CellError] = []
        self.total = 0

    def add(self, error: CellError) -> None:
        self.total += 1
        if len(self.shown) < ERRORS_SHOWN:
            self.shown.append(error)

    def check(self) -> None:
        """Raise CsvImportError when any problem was added."""
        if self.total:
            raise CsvImportError(self.shown, self.total)


@dataclass(slots=True)
class ImportRow:
    """One country's row, parsed: field values and the agreements and missions in order."""

    row: int
    alpha2: str
    values: dict[str, Any]
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


# -- cells --------------------------------------------------------------------------------

def item_column(entity: str, position: int, name: str) -> str:
    """Return the column name of one field of the ``position``-th agreement or mission."""
    return f"{entity}_{position}_{name}"


# -- export -------------------------------------------------------------------------------

def with_items(query: Select) -> Select:
    """Load each country's agreements, missions and portfolio holder with the query."""
    return query.options(
        selectinload(Country.agreements),
        selectinload(Country.missions),
        selectinload(Country.portfolio_holder),
    )


def header(counts: dict[str, int]) -> list[str]:
    """Return the column names for ``counts`` agreement and mission groups."""
    columns = list(REFERENCE_COLUMNS) + [spec.name for spec in COUNTRY_FIELDS]
    for entity, (specs, _minimum) in ITEM_GROUPS.items():
        for position in range(1, counts[entity] + 1):
            columns.extend(item_column(entity, position, spec.name) for spec in specs)
    return columns


def country_record(country: Country) -> dict[str, str]:
    """Return a country's values as text by column name (not yet escaped)."""
    record = {name: getattr(country, name) or "" for name in REFERENCE_COLUMNS}
    record.update({spec.name: spec.text_of(country) for spec in COUNTRY_FIELDS})
    for entity, (specs, _minimum) in ITEM_GROUPS.items():
        for position, item in enumerate(getattr(country, entity + "s"), start=1):
            record.update({item_column(entity, position, s.name): s.text_of(item) for s in specs})
    return record


def write_csv(countries: Iterable[Country], delimiter: str = DEFAULT_DELIMITER) -> bytes:
    """Return the countries as a CSV file (UTF-8 with BOM), one row per country by alpha2."""
    ordered = sorted(countries, key=lambda c: c.alpha2)
    counts = {
        entity: max([minimum] + [len(getattr(c, entity + "s")) for c in ordered])
        for entity, (_specs, minimum) in ITEM_GROUPS.items()
    }
    columns = header(counts)
    out = io.StringIO()
    writer = spreadsheet_writer(out, delimiter)
    writer.writerow(columns)
    for country in ordered:
        record = country_record(country)
        writer.writerow([escape_cell(record.get(name, "")) for name in columns])
    return out.getvalue().encode("utf-8")


# -- import -------------------------------------------------------------------------------

def read_csv(stream: IO[bytes], errors: ErrorLog) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Check a file's header; return its columns and its rows as (spreadsheet row, cells), lazily.

    The file is read one record at a time, so any length takes bounded memory; the
    stream is left open. Row numbers are a spreadsheet's: the header is row 1 and each
    record one row, however many line breaks its quoted cells hold. Cells are
    unescaped. Raise CsvImportError at once for an empty file or a wrong header; later
    problems (a row with too many or too few cells, text that is not UTF-8, a cell too
    large, broken quotes) are added to ``errors``, and the last three end the reading.
    """
    lines = _RecordLines(stream)
    try:
        first_line = next(lines, "")
    except UnicodeDecodeError:
        raise CsvImportError([CellError(None, None, _NOT_UTF8)]) from None
    if not first_line.strip():
        raise CsvImportError([CellError(1, None, _l("The file is empty or has no header line."))])
    # The header names contain neither separator, so the first line shows which one is used.
    delimiter = ";" if ";" in first_line else ","
    reader = csv.reader(itertools.chain([first_line], lines), delimiter=delimiter, strict=True)
    try:
        columns = [name.strip() for name in next(reader)]
    except csv.Error:
        raise CsvImportError([CellError(1, None, _BAD_QUOTES)]) from None
    check_header(columns)
    return columns, _records(reader, lines, columns, errors)


_NOT_UTF8 = _l("The file is not UTF-8 encoded text. Save it as \"CSV UTF-8\" and try again.")
_BAD_QUOTES = _l("The file is not valid CSV here (check the quotes).")


class _RecordLines:
    """The lines of a binary stream, decoded one by one, remembering those of the current record."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self._encoding = "utf-8-sig"  # the byte order mark is optional, and only at the start
        self.record: list[str] = []

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        raw = self._stream.readline()
        if not raw:
            raise StopIteration
        # A line break never falls inside a UTF-8 character, so each line decodes alone
        # and a wrong byte is reported in its own row.
        line = raw.decode(self._encoding)
        self._encoding = "utf-8"
        self.record.append(line)
        return line


def _records(reader: Any, lines: _RecordLines, columns: list[str],
             errors: ErrorLog) -> Iterator[tuple[int, dict[str, str]]]:
    code_at = columns.index("alpha2")
    row = 1
    while True:
        row += 1
        lines.record.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            errors.add(CellError(row, None, _NOT_UTF8))
            return
        except csv.Error:
            errors.add(_unreadable_record(row, "".join(lines.record), reader.dialect.delimiter, columns))
            return
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            code = cells[code_at].strip().upper() if code_at < len(cells) else None
            errors.add(CellError(row, None, _l(
                "This row has %(found)d cells; the header has %(expected)d.",
                found=len(cells), expected=len(columns)), code))
            continue
        record = dict(zip(columns, cells, strict=True))
        if any("'" in line for line in lines.record):  # only then can a cell be escaped
            record = {column: unescape_cell(value) for column, value in record.items()}
        yield row, record


def _unreadable_record(row: int, text: str, delimiter: str, columns: list[str]) -> CellError:
    """Say why the csv module stopped in a record: a cell over its size limit, or the quotes."""
    limit = csv.field_size_limit()
    index = offset = length = 0
    quoted = False
    for position, char in enumerate(text):
        if char == '"':
            quoted = not quoted
            continue
        if char == delimiter and not quoted:
            index, offset, length = index + 1, position + 1, 0
            continue
        length += 1
        if length > limit:
            # The cells before this one are whole and small: read them for the country code.
            before = next(csv.reader([text[:offset]], delimiter=delimiter), [])
            code_at = columns.index("alpha2")
            code = before[code_at].strip().upper() if code_at < index else None
            column = columns[index] if index < len(columns) else None
            return CellError(row, column, _l(
                "This cell is too large: a cell may hold at most %(limit)s characters. "
                "Shorten the text and try again.", limit=format_decimal(limit)), code)
    return CellError(row, None, _BAD_QUOTES)


def check_header(columns: list[str]) -> None:
    """Raise CsvImportError naming every missing, unknown or repeated column."""
    errors = []
    known = set(REFERENCE_COLUMNS) | {spec.name for spec in COUNTRY_FIELDS}
    required = ["alpha2"] + [spec.name for spec in COUNTRY_FIELDS]
    groups: dict[str, set[int]] = {entity: set() for entity in ITEM_GROUPS}
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            errors.append(CellError(1, name, _l("This column appears more than once.")))
        seen.add(name)
        match = _ITEM_COLUMN.match(name)
        if match and match.group(3) in {s.name for s in ITEM_GROUPS[match.group(1)][0]}:
            groups[match.group(1)].add(int(match.group(2)))
        elif name not in known:
            errors.append(CellError(1, name, _l("Unknown column.")))
    # Every agreement or mission group from 1 to the highest must be complete, so that
    # a half-deleted group is not silently read as fewer items.
    for entity, positions in groups.items():
        for position in range(1, max(positions, default=0) + 1):
            required.extend(item_column(entity, position, s.name) for s in ITEM_GROUPS[entity][0])
    missing = [name for name in required if name not in seen]
    errors.extend(CellError(1, name, _l("This column is missing.")) for name in missing)
    if errors:
        raise CsvImportError(errors)


def item_counts(columns: list[str]) -> dict[str, int]:
    """Return how many agreement and mission groups a checked header has."""
    counts = dict.fromkeys(ITEM_GROUPS, 0)
    for name in columns:
        match = _ITEM_COLUMN.match(name)
        if match:
            counts[match.group(1)] = max(counts[match.group(1)], int(match.group(2)))
    return counts


#: The fields of a group of columns (a profile, an agreement or a mission): (field, column) pairs.
Columns = tuple[tuple[FieldSpec, str], ...]
#: Parses a group's cell texts into (values by field name, (column, message) per refused cell).
GroupParser = Callable[[Columns, tuple[str, ...]], tuple[dict[str, Any], list[tuple[str, Any]]]]
#: How many results a group parser remembers, of cell texts up to this total length.
_REMEMBERED, _REMEMBERED_LENGTH = 4096, 1000


def group_parser(resolve_user: Callable[[str], int | None]) -> GroupParser:
    """Return a parser of column groups for one file, remembering recent results.

    The rows of a long file repeat their values (a copied row, a column of "unknown"),
    and a long file must be checked in seconds.
    """
    remembered: dict[tuple[int, tuple[str, ...]], tuple[dict[str, Any], list[tuple[str, Any]]]] = {}

    def parse(columns: Columns, texts: tuple[str, ...]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
        key = (id(columns), texts)
        result = remembered.get(key)
        if result is None:
            values, problems = {}, []
            for (spec, column), text in zip(columns, texts, strict=True):
                try:
                    values[spec.name] = spec.parse(text, resolve_user=resolve_user)
                except FieldError as error:
                    problems.append((column, error.message))
            result = values, problems
            if sum(map(len, texts)) <= _REMEMBERED_LENGTH:
                if len(remembered) >= _REMEMBERED:
                    remembered.clear()
                remembered[key] = result
        return result

    return parse


def _group(columns: Columns) -> tuple[Columns, Callable[[dict[str, str]], tuple[str, ...]]]:
    # The group's cells as a tuple, taken in C: the hot path of a long file.
    names = [column for _spec, column in columns]
    getter = operator.itemgetter(*names)
    return columns, getter if len(names) > 1 else lambda cells: (getter(cells),)


_COUNTRY_GROUP = _group(tuple((spec, spec.name) for spec in COUNTRY_FIELDS))


@functools.cache
def _item_group(entity: str, position: int):
    return _group(tuple((spec, item_column(entity, position, spec.name)) for spec in ITEM_GROUPS[entity][0]))


def parse_row(row_number: int, cells: dict[str, str], counts: dict[str, int],
              parse_group: GroupParser) -> tuple[ImportRow, list[CellError]]:
    """Parse one row's cells into field values; return the row and every cell error."""
    errors: list[CellError] = []
    alpha2 = cells["alpha2"].strip().upper()

    def parse(columns: Columns, texts: tuple[str, ...]) -> dict[str, Any]:
        values, problems = parse_group(columns, texts)
        errors.extend(CellError(row_number, column, message, alpha2 or None) for column, message in problems)
        return dict(values)  # the remembered result stays as it is

    columns, group_cells = _COUNTRY_GROUP
    row = ImportRow(row_number, alpha2, parse(columns, group_cells(cells)))
    for entity in ITEM_GROUPS:
        row.items[entity] = []
        for position in range(1, counts[entity] + 1):
            columns, group_cells = _item_group(entity, position)
            texts = group_cells(cells)
            if any(map(str.strip, texts)):  # an all-empty group is no item
                row.items[entity].append(parse(columns, texts))
    return row, errors
