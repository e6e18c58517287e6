"""Load a realistic demo data set: staff, country profiles, persons and LP requests.

``lp.demo.plan`` decides what happened (plain data, from a seed); ``Loader`` records
it through the services, so every value is validated and every event is real.

The services stamp what they record with the present moment (the day a draft was
created, a presentation scheduled, an expiry noticed, and every event's ``at``).
A demo needs a past, so the loader moves those stamps back to the planned day right
after each call, before anybody can see them.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, text

from countries.models import Country
from countries.seed import seed_countries
from countries.services import ProfileEdit, get_country, parse_values
from lp.auth import services as accounts
from lp.auth.models import User
from lp.core.clock import today
from lp.core.types import utcnow
from lp.core.validation import Conflict, ValidationFailed
from lp.demo.data import DESKS, EMAIL_DOMAIN, STAFF, staff_email
from lp.demo.plan import MIN_PERSONS, PersonPlan, Planner, ProfilePlan, RequestPlan, Step
from lp.persons import services as person_services
from lp.persons.models import Person
from lp.requests import services
from lp.requests.lifecycle import STATUSES
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db

__all__ = ["DEFAULT_PERSONS", "DEFAULT_SEED", "MIN_PERSONS", "demo_accounts", "load_demo", "persons_exist",
           "report"]

DEFAULT_SEED = 1
DEFAULT_PERSONS = 400

class Loader:
    """Record a plan through the services, and date each record on its planned day."""

    def __init__(self, seed: int, today_: date):
        self.rng = random.Random(seed + 1)  # stamps only: the plan's draws stay the same
        self.today = today_
        self.zone = ZoneInfo(current_app.config["LP_TIMEZONE"])
        self.now = utcnow()
        self.staff: list[int] = []

    def moment(self, day: date, after: datetime | None = None) -> datetime:
        """Return a time during office hours on ``day``, later than ``after``, never in the future."""
        local = datetime.combine(day, clock(8, 30), tzinfo=self.zone) + timedelta(minutes=self.rng.randint(0, 510))
        moment = local.astimezone(UTC)
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=self.rng.randint(2, 40))
        return min(moment, self.now)

    def accounts(self, password: str) -> int:
        """Create the staff accounts that are missing; return how many were created."""
        created = 0
        for name, role, language, _job in STAFF:
            email = staff_email(name)
            user = accounts.find_user_by_email(email)
            if user is None:
                user = accounts.create_user(email, name, role, password, language)
                created += 1
            self.staff.append(user.id)
        return created

    def profile(self, plan: ProfilePlan) -> None:
        """Fill one country profile in two recorded edits: the first fill, then a review."""
        country = get_country(plan.country.code)
        holder = self.staff[DESKS[plan.country.desk]]
        edit = ProfileEdit(country, expected_version=country.version, user_id=holder, source="ui")
        edit.set_fields("country", country, parse_values("country", plan.facts, partial=True))
        if not any(a.reply_time_limit_days for a in country.agreements):
            edit.add("agreement", parse_values("agreement", plan.arrangement))
        if not country.missions:
            for raw in plan.missions:
                words = "Ambassade van" if raw["kind"] == "embassy" else "Consulaat-generaal van"
                edit.add("mission", parse_values("mission", {**raw, "name": f"{words} {country.name_nl}"}))
        self._save(edit, plan.filled_on)

        edit = ProfileEdit(country, expected_version=country.version, user_id=holder, source="ui")
        edit.set_fields("country", country, {"last_reviewed_on": plan.reviewed_on})
        if plan.new_contact and country.missions:
            edit.set_fields("mission", country.missions[0], {"contact_person": plan.new_contact})
        self._save(edit, plan.reviewed_on)

    def _save(self, edit: ProfileEdit, day: date) -> None:
        moment = self.moment(day)
        for record in edit.flush():
            record.at = moment
        db.session.commit()

    def person(self, plan: PersonPlan) -> None:
        """Register a person and record each of their requests."""
        officer_email = staff_email(STAFF[plan.officer][0])
        raw = {
            "v_number": plan.v_number, "name": plan.name, "date_of_birth": plan.date_of_birth.isoformat(),
            "nationality": plan.country.code, "willingness": plan.willingness, "case_officer": officer_email,
            "in_detention_since": plan.detention_since.isoformat() if plan.detention_since else "",
        }
        documents = [person_services.parse_document(document) for document in plan.documents]
        person = person_services.create_person(person_services.parse_person(raw), documents)
        assert plan.registered_on is not None, "the planner dates every registration"
        person.created_at = self.moment(plan.registered_on)
        for request in plan.requests:
            self._request(person, request, self.staff[plan.officer])

    def _request(self, person: Person, plan: RequestPlan, officer: int) -> None:
        country = get_country(plan.country.code)
        missions = country.missions
        mission = missions[min(plan.mission, len(missions) - 1)] if missions else None
        # The plan may give a person a new request while an earlier one is still open.
        request = services.create_request(person, country, mission, user_id=officer,
                                          details={"identity_requested": plan.identity_requested},
                                          repeat_reason="Demo: a new request beside the open one")
        last = self._date(request.events[0], plan.fate.created_on, None)
        request.created_at = last
        request.reference = services.reference_for(request)
        holder = self.staff[DESKS[plan.country.desk]]
        for step in plan.steps:
            event = self._apply(request, step, holder if step.by_desk else officer)
            last = self._date(event, step.day, last)
        db.session.commit()

    def _date(self, event: RequestEvent, day: date, after: datetime | None) -> datetime:
        event.occurred_on = day
        event.at = self.moment(day, after)
        return event.at

    @staticmethod
    def _apply(request: LpRequest, step: Step, user_id: int) -> RequestEvent:
        try:
            if step.kind == "transition":
                return services.apply_transition(request, step.action, step.raw, user_id=user_id, note=step.note)
            if step.kind == "contact":
                return services.record_contact(request, step.raw, user_id=user_id)
            record = services.pause_clock if step.kind == "pause" else services.resume_clock
            return record(request, step.raw, user_id=user_id)
        except (ValidationFailed, Conflict) as error:
            # The plan is ours: a refusal here is a bug in the planner, not bad input.
            raise RuntimeError(f"demo step refused for {request.reference}: {step} ({error})") from error


# --- Entry point -----------------------------------------------------------------------


def persons_exist() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Person)))


def load_demo(*, seed: int = DEFAULT_SEED, persons: int = DEFAULT_PERSONS, password: str) -> dict[str, Any]:
    """Load the demo data set; the caller checks ``persons_exist`` and the password first."""
    started = time.monotonic()
    seed_countries()
    now = today()
    planner = Planner(seed, now)
    profiles = planner.profiles()
    people = planner.persons(persons)
    loader = Loader(seed, now)
    with _without_fsync():
        created_accounts = loader.accounts(password)
        for profile in profiles:
            loader.profile(profile)
        for person in people:
            loader.person(person)
    return {**summary(now), "accounts_created": created_accounts, "profiles": len(profiles),
            "seconds": time.monotonic() - started}


@contextmanager
def _without_fsync() -> Iterator[None]:
    """On SQLite, skip the disk flush after each of the loader's ~4,000 small commits.

    Each commit waits for the disk; on a busy disk that turns a 20-second load into
    minutes. Only a power cut during the load could harm the file, and a database
    that is getting demo data is a fresh one, quickly made again.
    """
    if db.engine.dialect.name != "sqlite":
        yield
        return
    previous = db.session.execute(text("PRAGMA synchronous")).scalar_one()
    db.session.execute(text("PRAGMA synchronous = OFF"))
    try:
        yield
    finally:
        db.session.execute(text(f"PRAGMA synchronous = {int(previous)}"))


def _count(query) -> int:
    return db.session.scalar(query) or 0


def summary(now: date) -> dict[str, Any]:
    """Count what the demo shows: requests per status, and the work waiting today."""
    in_two_weeks = now + timedelta(days=14)
    requests = select(func.count()).select_from(LpRequest)
    return {
        "statuses": Counter(dict(db.session.execute(
            select(LpRequest.status, func.count()).group_by(LpRequest.status)).all())),
        "persons": _count(select(func.count()).select_from(Person)),
        "in_detention": _count(select(func.count()).select_from(Person).where(Person.in_detention_since.isnot(None))),
        "requests": _count(requests),
        "events": _count(select(func.count()).select_from(RequestEvent)),
        "overdue": _count(requests.where(LpRequest.is_open.is_(True), LpRequest.reply_due_on < now)),
        "presentations_soon": _count(requests.where(LpRequest.next_presentation_at > utcnow(),
                                                   LpRequest.next_presentation_at <= utcnow() + timedelta(days=14))),
        "expiring_soon": _count(requests.where(LpRequest.status == "issued", LpRequest.valid_until >= now,
                                              LpRequest.valid_until <= in_two_weeks)),
        "countries": _count(select(func.count()).select_from(Country).where(Country.last_reviewed_on.isnot(None))),
    }


def report(result: dict[str, Any]) -> str:
    """Return the summary the ``lp demo`` command prints (the passwords follow in the start block)."""
    lines = [
        f"Demo data loaded in {result['seconds']:.1f} s.",
        f"  {result['accounts_created']} demo accounts ({len(STAFF)} in all), e.g. "
        f"{staff_email(STAFF[0][0])} (staff), {staff_email(STAFF[-1][0])} (viewer)",
    ]
    lines += [
        f"  {result['profiles']} country profiles filled",
        f"  {result['persons']} persons, {result['in_detention']} in detention",
        f"  {result['requests']} LP requests, {result['events']} timeline events",
    ]
    lines += [f"    {status:<24}{result['statuses'][status]:>5}" for status in STATUSES]
    lines.append(f"  open and overdue: {result['overdue']}; presentations in the next 14 days: "
                 f"{result['presentations_soon']}; LPs expiring within 14 days: {result['expiring_soon']}")
    return "\n".join(lines)


#: How each kind of demo account is described in the start block and the README.
_JOBS = {"desk": "staff, portfolio holder (landenportefeuille)", "officer": "staff, case officer (regievoerder)",
         "": "viewer (read only)"}


def demo_accounts() -> list[tuple[str, str, str]]:
    """Return (email, name, what the account does) of each demo account that exists."""
    existing = set(db.session.scalars(
        select(func.lower(User.email)).where(User.email.like(f"%@{EMAIL_DOMAIN}"))))
    return [(staff_email(name), name, _JOBS[job] + (", English" if language == "en" else ""))
            for name, _role, language, job in STAFF if staff_email(name) in existing]
