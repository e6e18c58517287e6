"""Every field kind reads back what it writes, and its JSON schema admits what it reads.

An export re-imported, a history entry, an API answer sent back: each writes a value as
its kind's stable text and parses it again, so the two must agree for every kind. The
OpenAPI document promises clients what the API takes, so a value the field accepts must
fit the schema the document publishes for it. A kind registered without samples here
fails the first test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from countries.services import holder_user_id
from lp.auth.models import User
from lp.core.fields import FieldError, FieldSpec, input_text
from lp.core.kinds import KINDS
from lp.web.extensions import db

CHOICES = (("mou", "Memorandum"), ("other", "Other arrangement"))

#: Per kind: a field of that kind and values it stores (the user kind's come from the database).
SAMPLES: dict[str, tuple[FieldSpec, tuple[Any, ...]]] = {
    "text": (FieldSpec("name", "Name", "text", max_length=200),
             ("Ambassade de Guinée", "Rue 12, 2e étage", "x" * 200)),
    "longtext": (FieldSpec("notes", "Notes", "longtext", max_length=4000),
                 ("First line\nSecond line", "tab\tinside", "‘quoted’ — and dashed")),
    "email": (FieldSpec("email", "Email", "email", max_length=254), ("consul@example.org", "a.b+c@mission.gn")),
    "int": (FieldSpec("days", "Days", "int", extra={"max": 3650}), (0, 42, 3650)),
    "date": (FieldSpec("on", "On", "date"), (date(2026, 2, 28), date(2024, 2, 29), date(1970, 1, 1))),
    "datetime": (FieldSpec("at", "At", "datetime"),
                 (datetime(2026, 3, 1, 9, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 15, tzinfo=UTC))),
    "bool": (FieldSpec("copy", "Copy", "bool"), (True, False)),
    "choice": (FieldSpec("kind", "Kind", "choice", CHOICES, required=True), ("mou", "other")),
    "country": (FieldSpec("located_in", "Country", "country", default="NL"), ("NL", "GN", "CD")),
    "user": (FieldSpec("holder", "Holder", "user", attribute="holder_id"), ()),
}
#: Per kind: text the field refuses, which the schema must refuse as well (as JSON).
REFUSED: dict[str, tuple[Any, ...]] = {
    "text": ("x" * 201, "NUL\x00inside"),
    "longtext": ("bell\x07",),
    "choice": ("maybe",),
    "country": ("N1", "NLD"),
    "int": (3651,),
    "date": ("2026-02-30",),
}


@pytest.fixture
def accounts(app, make_user) -> list[User]:
    """Two staff accounts, loaded in the app context the test runs in."""
    ids = [make_user("holder@example.org"), make_user("other.holder@example.org", role="admin")]
    with app.app_context():
        yield [db.session.get(User, user_id) for user_id in ids]


def _samples(kind: str, accounts: list[User]) -> list[tuple[FieldSpec, Any, Any]]:
    """Return (field, value as the model holds it, value as parse returns it) per sample."""
    spec, values = SAMPLES[kind]
    if spec.field_kind.account:  # the model holds the account, parse returns its id
        return [(spec, user, user.id) for user in accounts]
    return [(spec, value, value) for value in values]


def test_every_registered_kind_has_samples():
    assert set(SAMPLES) == set(KINDS)
    assert all(SAMPLES[kind][0].kind == kind for kind in SAMPLES)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_parse_reads_back_the_stable_text(kind, accounts):
    for spec, held, parsed in _samples(kind, accounts):
        text = spec.to_text(held)
        assert spec.parse(text, resolve_user=holder_user_id) == parsed, (kind, text)
        assert spec.shown(held), (kind, held)  # and people see something for it


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_json_schema_admits_what_parse_accepts(kind, accounts):
    for spec, held, parsed in _samples(kind, accounts):
        validator = Draft202012Validator(spec.json_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
        sent = spec.json_value(held)
        assert list(validator.iter_errors(sent)) == [], (kind, sent)
        # What a client sends back, read as the API reads its JSON input.
        assert spec.parse(input_text(sent), resolve_user=holder_user_id) == parsed, (kind, sent)


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_json_schema_refuses_what_parse_refuses(kind, app):
    spec = SAMPLES[kind][0]
    validator = Draft202012Validator(spec.json_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    with app.app_context():
        for value in REFUSED[kind]:
            with pytest.raises(FieldError):
                spec.parse(input_text(value))
            assert list(validator.iter_errors(value)), (kind, value)


def test_a_field_of_an_unknown_kind_is_refused_when_defined():
    with pytest.raises(ValueError, match="unknown field kind"):
        FieldSpec("when", "When", "time")
