"""The search box in the header: a request by our reference, the embassy's reference or the LP number,
a person by V-number or name.

The term is posted, never put in a URL: one hit goes straight to its page, several are
listed on the answer to the post itself, none says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from lp.persons.models import Person
from lp.requests.models import LpRequest
from lp.web.extensions import db

#: Hits shown per kind; more means the term is too vague to be useful.
LIMIT = 25


@dataclass
class Hits:
    requests: list[LpRequest]
    persons: list[Person]

    @property
    def count(self) -> int:
        return len(self.requests) + len(self.persons)


def find(text: str) -> Hits:
    """Return the requests and persons that ``text`` (normalised, trimmed) names: two bounded queries."""
    if not text:
        return Hits([], [])
    conditions = [LpRequest.reference == text.upper(), func.lower(LpRequest.embassy_reference) == text.lower(),
                  func.upper(LpRequest.lp_number) == text.upper()]
    requests = list(db.session.scalars(
        select(LpRequest).where(or_(*conditions)).options(joinedload(LpRequest.person), joinedload(LpRequest.country))
        .order_by(LpRequest.id.desc()).limit(LIMIT)))
    if text.isdigit():
        person_condition = Person.v_number == text if len(text) == 10 else Person.v_number.like(f"{text}%")
    elif len(text) >= 2:
        person_condition = func.lower(Person.name).like(f"%{text.lower()}%")
    else:
        return Hits(requests, [])
    persons = list(db.session.scalars(select(Person).where(person_condition).order_by(Person.name, Person.id)
                                      .limit(LIMIT)))
    return Hits(requests, persons)
