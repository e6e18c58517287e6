"""Walk a form as a person does: read what it shows, save it unchanged, change one field at a time.

The oracle is never the page itself: ``state`` reads the record through the JSON API or a
direct query, as text (``as_text``), and ``history_rows`` counts the rows that record a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from lp.web.extensions import db

#: The named, visible inputs of a form, as a person sees them (a checkbox as yes/no).
FORM_FIELDS = """form => [...form.elements]
  .filter(e => e.name && e.name !== 'csrf_token' && !['hidden', 'submit', 'button', 'file'].includes(e.type)
               && e.tagName !== 'BUTTON')
  .map(e => ({name: e.name, tag: e.tagName.toLowerCase(), type: e.type, inputmode: e.inputMode, required: e.required,
              value: e.type === 'checkbox' ? (e.checked ? 'yes' : 'no') : e.value,
              options: e.tagName === 'SELECT' ? [...e.options].map(o => o.value) : []}))"""

#: Count the rows that record a change: timeline, profile history, audit trail (a view is no change).
HISTORY_QUERIES = {
    "request_events": "SELECT count(*) FROM request_events",
    "profile_changes": "SELECT count(*) FROM profile_changes",
    "audit_events": "SELECT count(*) FROM audit_events WHERE action <> 'person.viewed'",
}


def as_text(value: Any) -> str:
    """Return a value of the API or the database as a form shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def history_rows(app) -> dict[str, int]:
    """Count the rows of every table that records a change (a direct query)."""
    with app.app_context():
        counts = {table: db.session.execute(text(query)).scalar_one() for table, query in HISTORY_QUERIES.items()}
        db.session.remove()
        return counts


def form_fields(form) -> dict[str, dict[str, Any]]:
    """Return the visible named inputs of a form locator by name."""
    return {f["name"]: f for f in form.evaluate(FORM_FIELDS)}


def changed_value(entry: dict[str, Any], today: date) -> str | None:
    """Return another valid value for an input, chosen as a person would; None when there is none."""
    current = entry["value"]
    if entry["type"] == "checkbox":
        return "no" if current == "yes" else "yes"
    if entry["tag"] == "select":
        others = [option for option in entry["options"] if option not in ("", current)]
        return others[0] if others else None
    if entry["type"] == "date":
        return (date.fromisoformat(current) - timedelta(days=1) if current else today - timedelta(days=40)).isoformat()
    if entry["inputmode"] == "numeric":
        return str(int(current) + 1) if current else "45"
    if entry["type"] == "email":
        return "walk.changed@example.org"
    return f"{current} (gewijzigd)".strip()


def set_value(form, entry: dict[str, Any], value: str) -> None:
    """Set one input as a person does: tick, choose or type."""
    control = form.locator(f"[name='{entry['name']}']")
    if entry["type"] == "checkbox":
        control.set_checked(value == "yes")
    elif entry["tag"] == "select":
        control.select_option(value)
    else:
        control.fill(value)


@dataclass
class FormWalk:
    """One form on an existing record, and how to read that record independently.

    ``state`` returns the record's fields as text, keyed by the form's input names;
    ``values`` gives valid new values for inputs that take a format (a V-number);
    ``fixed`` names inputs that cannot be changed here, with the reason.
    """

    key: str
    url: str
    state: Callable[[], dict[str, str]]
    selector: str = "main form[method=post]"
    values: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    #: Fields of ``state`` that a save may move besides the input changed (a version number).
    derived: tuple[str, ...] = ("version",)


def _submit(page, form) -> None:
    with page.expect_navigation():
        form.locator("[type=submit]").last.click()


def messages(page) -> list[str]:
    """Return the error messages the page shows (at fields and above the form)."""
    return page.locator(".invalid-feedback, .alert-danger").all_inner_texts()


def _without(values: dict[str, str], names) -> dict[str, str]:
    return {name: value for name, value in values.items() if name not in names}


def walk_form(page, app, walk: FormWalk, today: date) -> None:
    """Walk one form round trip; fail with every difference found."""
    problems = _walk(page, app, walk, today)
    assert not problems, "\n".join(problems)


def _walk(page, app, walk: FormWalk, today: date) -> list[str]:
    problems: list[str] = []
    before, rows = walk.state(), history_rows(app)
    page.goto(walk.url)
    form = page.locator(walk.selector)
    shown = form_fields(form)
    for name, entry in shown.items():
        if name not in before:
            problems.append(f"{walk.key}: the input {name!r} has no value in the record to compare with")
        elif entry["value"] != before[name]:
            problems.append(f"{walk.key}: {name} shows {entry['value']!r}, the record holds {before[name]!r}")

    _submit(page, form)
    after = walk.state()
    if after != before:
        problems.append(f"{walk.key}: saved unchanged, yet the record moved: {_diff(before, after)}")
    if history_rows(app) != rows:
        problems.append(f"{walk.key}: saved unchanged, yet history grew: {rows} -> {history_rows(app)}")

    changed: tuple[str, str] | None = None  # the input saved last, checked when the form opens again
    for name, entry in [*shown.items(), (None, None)]:
        page.goto(walk.url)
        form = page.locator(walk.selector)
        if changed is not None:
            again = form_fields(form)[changed[0]]["value"]
            if again != changed[1]:
                problems.append(f"{walk.key}: after saving {changed[0]} = {changed[1]!r} the form shows {again!r}")
        if name is None or name in walk.fixed:
            continue
        new = walk.values.get(name) or changed_value(entry, today)
        if new is None:
            problems.append(f"{walk.key}: no other value to choose for {name}; list it in fixed with a reason")
            continue
        before = walk.state()
        set_value(form, entry, new)
        _submit(page, form)
        after = walk.state()
        moved = _diff(_without({**before, name: new}, walk.derived), _without(after, walk.derived))
        if moved:
            problems.append(f"{walk.key}: changing {name} to {new!r} gave {moved} {messages(page)}")
        changed = (name, new)
    return problems


def _diff(expected: dict[str, str], actual: dict[str, str]) -> dict[str, tuple[str | None, str | None]]:
    """Return the keys whose values differ, as (expected, actual)."""
    return {key: (expected.get(key), actual.get(key)) for key in expected.keys() | actual.keys()
            if expected.get(key) != actual.get(key)}
