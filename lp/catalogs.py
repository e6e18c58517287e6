"""Checks and upkeep of the translation catalogs (used by ``make extract`` and the tests)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from lp import PROJECT_ROOT

LOCALES = ("nl", "en")
SOURCE_LOCALE = "en"  # msgids are English; the en catalog repeats them
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}


def catalog_path(locale: str) -> Path:
    return PROJECT_ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    with catalog_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def extracted_ids() -> set[str | tuple[str, ...]]:
    """Return every message id that the code and templates use."""
    with (PROJECT_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    ids: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else tuple(message))
    return ids


def _key(message) -> str:
    return message if isinstance(message, str) else message[0]


def problems(locale: str) -> list[str]:
    """List what is missing, untranslated or fuzzy in one catalog."""
    catalog = load(locale)
    found: list[str] = [f"{locale}: the catalog header is marked fuzzy"] if catalog.fuzzy else []
    present = {_key(m.id) for m in catalog if m.id}
    for message_id in sorted(extracted_ids(), key=_key):
        if _key(message_id) not in present:
            found.append(f"{locale}: missing {_key(message_id)!r}")
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not all(strings):
            found.append(f"{locale}: untranslated {_key(message.id)!r}")
        if message.fuzzy:
            found.append(f"{locale}: fuzzy {_key(message.id)!r}")
    return found


def fill_source_language() -> int:
    """Copy each msgid into the empty msgstr of the English catalog; return how many."""
    catalog = load(SOURCE_LOCALE)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            forms = message.string if isinstance(message.string, (list, tuple)) else ()
            if not all(forms):
                message.string = tuple(message.id[:1]) + tuple(message.id[1:2]) * (len(forms) - 1)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    catalog.fuzzy = False
    catalog.project = "LP-tracker"
    with catalog_path(SOURCE_LOCALE).open("wb") as handle:
        write_po(handle, catalog, sort_output=True, no_location=True)
    return filled


if __name__ == "__main__":
    if sys.argv[1:] == ["fill-en"]:
        print(f"filled {fill_source_language()} English messages")
    elif sys.argv[1:] == ["check"]:
        issues = [p for locale in LOCALES for p in problems(locale)]
        print("\n".join(issues) or "catalogs complete")
        sys.exit(1 if issues else 0)
    else:
        sys.exit("usage: python -m lp.catalogs fill-en|check")
