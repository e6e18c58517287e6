"""The fields of a country profile, its agreements and missions, defined once.

Forms, the CSV export and import, the API and the history all read these
definitions (FieldSpec, in lp.core.fields), so a field is named, labelled, parsed
and shown the same everywhere.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lp.core.fields import FieldSpec

TRI_STATE = (
    ("yes", _l("yes")),
    ("no", _l("no")),
    ("sometimes", _l("sometimes")),
    ("unknown", _l("unknown")),
)
YES_NO_UNKNOWN = (("yes", _l("yes")), ("no", _l("no")), ("unknown", _l("unknown")))
FORCED_RETURN = (
    ("yes", _l("yes")),
    ("limited", _l("limited")),
    ("no", _l("no")),
    ("unknown", _l("unknown")),
)
AGREEMENT_KINDS = (
    ("eu_readmission", _l("EU readmission agreement")),
    ("benelux_readmission", _l("Benelux readmission agreement")),
    ("mou", _l("Memorandum of understanding")),
    ("other", _l("Other arrangement")),
)
DAY_UNITS = (("calendar", _l("calendar days")), ("working", _l("working days")), ("unknown", _l("unknown")))
MISSION_KINDS = (("embassy", _l("Embassy")), ("consulate", _l("Consulate")))
CORRESPONDENCE_LANGUAGES = (("nl", _l("Dutch")), ("en", _l("English")), ("fr", _l("French")))



def _tri(name: str, label: Any) -> FieldSpec:
    return FieldSpec(name, label, "choice", TRI_STATE, default="unknown")


COUNTRY_FIELDS: tuple[FieldSpec, ...] = (
    _tri("presentation_required", _l("Presentation in person required")),
    _tri("biometric_registers", _l("Biometric registers")),
    _tri("requires_identity", _l("Requires identity established")),
    _tri("refuses_unwilling", _l("Refuses when the person is unwilling")),
    _tri("staff_admitted_to_interview", _l("Agency staff admitted to the interview")),
    FieldSpec("accepted_documents", _l("Accepted supporting documents"), "longtext", max_length=4000),
    FieldSpec("lp_validity_days", _l("Usual LP validity (days)"), "int", extra={"max": 3650}),
    FieldSpec("flight_lead_days", _l("Flight lead time (days)"), "int", extra={"max": 365},
              help=_l("Book the flight when an issued LP has fewer days left than this: the country's notice "
                      "before a return plus escort planning. Empty: the default (14 days).")),
    FieldSpec("forced_return", _l("Forced return possible"), "choice", FORCED_RETURN, default="unknown"),
    FieldSpec("excluded_from_iom", _l("Excluded from IOM return support"), "choice", YES_NO_UNKNOWN,
              default="unknown"),
    FieldSpec("portfolio_holder", _l("Portfolio holder"), "user", attribute="portfolio_holder_id"),
    FieldSpec("notes", _l("Notes"), "longtext", max_length=20000),
    FieldSpec("last_reviewed_on", _l("Last reviewed on"), "date"),
)

AGREEMENT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("kind", _l("Kind"), "choice", AGREEMENT_KINDS, required=True, default="other"),
    FieldSpec("title", _l("Title"), "longtext", required=True, max_length=1000),
    FieldSpec("in_force_since", _l("In force since"), "date"),
    FieldSpec("reply_time_limit_days", _l("Reply time limit (days)"), "int", extra={"max": 3650}),
    FieldSpec("reply_time_limit_unit", _l("Reply time limit counted in"), "choice", DAY_UNITS,
              default="unknown"),
    FieldSpec("reply_extension_days", _l("Reply time limit on a justified request for extension (days)"),
              "int", extra={"max": 3650}),
    FieldSpec("silence_is_acceptance", _l("Silence counts as acceptance"), "choice", YES_NO_UNKNOWN,
              default="unknown"),
    FieldSpec("source", _l("Source"), "longtext", max_length=4000),
)

MISSION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("kind", _l("Kind"), "choice", MISSION_KINDS, required=True, default="embassy"),
    FieldSpec("name", _l("Name"), "text", required=True, max_length=200),
    FieldSpec("city", _l("City"), "text", max_length=120),
    FieldSpec("located_in", _l("Country where it sits"), "country", default="NL"),
    FieldSpec("address", _l("Address"), "longtext", max_length=1000),
    FieldSpec("email", _l("Email address"), "email", max_length=254),
    FieldSpec("phone", _l("Phone"), "text", max_length=60),
    FieldSpec("contact_person", _l("Contact person"), "text", max_length=120),
    FieldSpec("correspondence_language", _l("Correspondence language"), "choice",
              CORRESPONDENCE_LANGUAGES, required=True, default="en"),
)

FIELDS_BY_ENTITY = {"country": COUNTRY_FIELDS, "agreement": AGREEMENT_FIELDS, "mission": MISSION_FIELDS}


def spec(entity: str, name: str) -> FieldSpec:
    """Return the definition of one field of an entity."""
    for candidate in FIELDS_BY_ENTITY[entity]:
        if candidate.name == name:
            return candidate
    raise KeyError(f"{entity}.{name}")
