"""Read a new person from the body: the person fields and a list of identity documents, every refusal at once."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lp.api.inputs import gather
from lp.core.validation import ValidationFailed
from lp.persons.services import DOCUMENT_FIELDS, PERSON_FIELDS, parse_document, parse_person

PERSON_SPECS = {spec.name: spec for spec in PERSON_FIELDS}
PERSON_NAMES = frozenset(PERSON_SPECS)
DOCUMENT_NAMES = frozenset(spec.name for spec in DOCUMENT_FIELDS)


def _wrong_type(value: Any, allowed: type | tuple[type, ...]) -> bool:
    return value is not None and not isinstance(value, allowed)


def _read_documents(raw: Any, errors: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Parse the optional ``documents`` list; errors are keyed ``documents.<index>.<field>``."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        errors["documents"] = [_l("Send a list of objects with kind, number and copy_on_file.")]
        return []
    documents = []
    for index, item in enumerate(raw):
        found: dict[str, list[Any]] = {}
        for name, value in item.items():
            if name not in DOCUMENT_NAMES:
                found[name] = [_l("There is no such field, or it cannot be changed.")]
            elif _wrong_type(value, bool if name == "copy_on_file" else str):
                found[name] = [_l("Send true or false.") if name == "copy_on_file" else _l("Send text or null.")]
        document = gather(found, parse_document, item) if not found else None
        errors |= {f"documents.{index}.{name}": messages for name, messages in found.items()}
        if document is not None:
            documents.append(document)
    return documents


def read_new_person(body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the parsed person values and documents; raise ValidationFailed with every problem."""
    errors: dict[str, list[Any]] = {}
    type_errors: dict[str, list[Any]] = {}
    raw: dict[str, Any] = {}
    for name, value in body.items():
        if name == "documents":
            continue
        if name not in PERSON_NAMES:
            type_errors[name] = [_l("There is no such field, or it cannot be changed.")]
        elif (refusal := PERSON_SPECS[name].field_kind.json_input_error(value)) is not None:
            type_errors[name] = [refusal]  # each kind takes what GET gives back: text, or a number
        else:
            raw[name] = value
    # Fields with a default (willingness: unknown) may be left out, unlike in the form that shows it.
    raw = {spec.name: spec.default for spec in PERSON_FIELDS if spec.default is not None} | raw
    values = gather(errors, parse_person, raw)
    documents = _read_documents(body.get("documents"), errors)
    # A value of the wrong type is also missing for parse_person; say what is wrong with it.
    errors |= type_errors
    if errors:
        raise ValidationFailed(errors)
    return values, documents
