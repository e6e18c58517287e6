"""What the country profile says to watch out for, for one person and mission.

Shown on the request form and page: warnings (the request may fail) and notes
(what to prepare). Each item is (level, message); levels are "warning" and "info".
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from countries.models import Country, Mission
from lp.core.clock import today
from lp.persons.models import Person
from lp.requests import deadlines

Item = tuple[str, object]


def checklist(country: Country, person: Person | None, mission: Mission | None = None) -> list[Item]:
    """Return the warnings and notes for a request to ``country`` for ``person``."""
    items: list[Item] = []
    if not country.missions:
        items.append(("warning", _l("No mission on record for this country: add the embassy to the "
                                    "country profile first.")))
    if country.presentation_required == "yes":
        items.append(("warning", _l("This embassy requires a presentation in person.")))
    elif country.presentation_required == "sometimes":
        items.append(("info", _l("This embassy sometimes asks for a presentation in person.")))
    if country.refuses_unwilling in ("yes", "sometimes") and person is not None and person.willingness == "unwilling":
        items.append(("warning", _l("This embassy refuses when the person is unwilling, and this person is "
                                    "recorded as unwilling.")))
    if country.requires_identity in ("yes", "sometimes") and person is not None and not person.has_identity_copy:
        items.append(("warning", _l("This embassy requires the identity to be established, but no copy of an "
                                    "identity document is on file.")))
    if country.biometric_registers == "yes":
        items.append(("info", _l("This country can match fingerprints against its registers: enclose them.")))
    if country.forced_return == "no":
        items.append(("info", _l("Forced return to this country is not possible.")))
    if country.accepted_documents:
        items.append(("info", _l("Accepted supporting documents: %(documents)s", documents=country.accepted_documents)))
    if not deadlines.applicable(deadlines.terms_of(country.agreements), today()):
        items.append(("info", _l("No agreement in force sets a reply time limit: the default of %(days)d days "
                                 "applies.", days=deadlines.reply_limit_days(country, today()))))
    if person is not None and person.in_detention:
        items.append(("warning", _l("The person is in detention: this request has priority and our own "
                                    "escalation intervals are halved; the embassy's time limit stays as the "
                                    "agreement sets it.")))
    return items
