"""Plan the demo data set (``lp demo``) as plain data, from one seeded random generator.

``Planner`` decides who the persons are and what became of each of their requests,
and when, relative to a given day: the same seed on the same day gives the same
plan. Each request's history is first drawn as a ``Fate`` (resolved: at most one
outcome, nothing after today), then written out as the ``Step``s staff would record.
``lp.demo.load`` records the plan through the services.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock

from lp.demo.data import (
    ALTERNATIVES,
    BEHAVIOUR_NOTES,
    BEHAVIOURS,
    CONTACT_NOTES,
    COUNTRIES,
    DESKS,
    DOCUMENT_WORDS,
    EMAIL_DOMAIN,
    NAMES,
    NO_REPLY_NOTE,
    OFFICERS,
    PAUSE_REASONS,
    RECEIPT_NOTE,
    REFUSAL_NOTES,
    RESUME_REASONS,
    SEATS,
    STAFF,
    WITHDRAWAL_NOTES,
    DemoCountry,
    staff_email,
)
from lp.requests.lifecycle import CLOSURE_REASONS, REFUSAL_REASONS

HISTORY_DAYS = 730
NO_REPLY_AFTER_DAYS = 365
LP_VALIDITY_DAYS = 30
DETENTION_SHARE = 0.15

#: One request per outcome and reason, so every status shows up at any size.
SHOWCASE = (
    "used", "expired", "handover", "no_reply", "presented", "submitted",
    *(f"refused:{reason}" for reason, _label in REFUSAL_REASONS),
    *(f"withdrawn:{reason}" for reason, _label in CLOSURE_REASONS),
)
#: Work for the reminders and the dashboard: drafts, presentations in the next two
#: weeks, LPs about to expire unused, paused clocks; (kind, persons per request).
CURRENT_WORK = (("draft", 60), ("upcoming", 30), ("expiring", 50), ("paused", 100))
MIN_PERSONS = len(SHOWCASE) + len(CURRENT_WORK) + 1

WITHDRAWAL_WEIGHTS = {"absconded": 55, "departed_independently": 20, "residence_permit": 13, "deceased": 2,
                      "other": 10}
PRESENTATION_SLOTS = (clock(9, 30), clock(10, 0), clock(10, 30), clock(11, 0), clock(13, 30), clock(14, 0))
BY_CODE = {country.code: country for country in COUNTRIES}


@dataclass
class Step:
    """One thing to record on a request's timeline, on ``day``."""

    day: date
    kind: str  # transition, contact, pause or resume
    raw: dict[str, str]
    action: str = ""
    note: str = ""
    by_desk: bool = False  # the portfolio holder records it, not the case officer


@dataclass
class Presentation:
    """A presentation: when it was scheduled, when it is, and whether it took place."""

    recorded_on: date
    at: datetime  # local time
    took_place: bool | None  # None: not held (yet)


@dataclass
class Fate:
    """What became of one request, resolved: at most one outcome, nothing after today."""

    created_on: date
    submitted_on: date | None = None
    presentations: list[Presentation] = field(default_factory=list)
    pause: tuple[date, date | None] | None = None
    outcome: str | None = None  # issue, refuse, handover, no_reply, withdraw; None: open
    decided_on: date | None = None
    reason: str = ""  # refusal or closure reason
    after_issue: tuple[str, date] | None = None  # (used | expired | withdraw, day)

    @property
    def closed_on(self) -> date | None:
        if self.outcome == "issue":
            return self.after_issue[1] if self.after_issue else None
        return self.decided_on


@dataclass
class RequestPlan:
    """One request to record: where it goes, its fate, and the steps that tell it."""

    country: DemoCountry
    mission: int
    identity_requested: bool
    fate: Fate
    steps: list[Step] = field(default_factory=list)


@dataclass
class PersonPlan:
    """One person to register, with their requests in the order they were made."""

    country: DemoCountry
    name: str
    v_number: str
    date_of_birth: date
    willingness: str
    documents: list[dict[str, str]]
    officer: int  # index into STAFF
    registered_on: date | None = None
    detention_since: date | None = None
    requests: list[RequestPlan] = field(default_factory=list)


@dataclass
class ProfilePlan:
    """How one country profile is filled, and when it was last reviewed."""

    country: DemoCountry
    facts: dict[str, str]
    arrangement: dict[str, str]
    missions: list[dict[str, str]]
    filled_on: date
    reviewed_on: date
    new_contact: str  # a changed contact person at the review, or ""


class Planner:
    """Decide, from one seed, the profiles, the persons and each request's history."""

    def __init__(self, seed: int, today_: date):
        self.rng = random.Random(seed)
        self.today = today_
        self._v_numbers: set[str] = set()

    # Dates ------------------------------------------------------------------------

    def days_ago(self, low: int, high: int) -> date:
        return self.weekday(self.today - timedelta(days=self.rng.randint(low, high)))

    def after(self, day: date, low: int, high: int, *, future_ok: bool = False) -> date:
        return self.weekday(day + timedelta(days=self.rng.randint(low, high)), future_ok=future_ok)

    def weekday(self, day: date, *, future_ok: bool = False) -> date:
        """Move a weekend day to Monday, or to Friday where Monday lies in the future."""
        if day.weekday() < 5:
            return day
        monday = day + timedelta(days=7 - day.weekday())
        return monday if future_ok or monday <= self.today else day - timedelta(days=day.weekday() - 4)

    # Country profiles -------------------------------------------------------------

    def profiles(self) -> list[ProfilePlan]:
        return [self._profile(country) for country in COUNTRIES]

    def _profile(self, country: DemoCountry) -> ProfilePlan:
        rng = self.rng
        documents = ["kopie paspoort of identiteitskaart", "geboorteakte"]
        if country.fact(1) == "yes":
            documents.append("vingerafdrukken")
        facts = {
            "presentation_required": country.fact(0), "biometric_registers": country.fact(1),
            "requires_identity": country.fact(2), "refuses_unwilling": country.fact(3),
            "staff_admitted_to_interview": country.fact(4),
            "accepted_documents": ", ".join(documents).capitalize() + ".",
            "lp_validity_days": str(LP_VALIDITY_DAYS), "forced_return": country.forced_return,
            "excluded_from_iom": "yes" if country.code in ("AL", "GE", "RS") else "no",
            "portfolio_holder": staff_email(STAFF[DESKS[country.desk]][0]),
            "notes": f"Demogegevens (fictief). {BEHAVIOUR_NOTES[country.behaviour]}",
        }
        memorandum = country.weight >= 4
        arrangement = {
            "kind": "mou" if memorandum else "other",
            "title": ("Memorandum of understanding over terugkeer en vervangende reisdocumenten" if memorandum
                      else "Werkafspraken met de consulaire afdeling over vervangende reisdocumenten"),
            "in_force_since": date(rng.randint(2012, 2021), rng.randint(1, 12), 1).isoformat(),
            "reply_time_limit_days": str(country.reply_limit),
            "silence_is_acceptance": "no",
            "source": "Demogegevens (fictief).",
        }
        missions = [self._mission(country, country.seat, "embassy")]
        if country.consulate:
            missions.append(self._mission(country, country.consulate, "consulate"))
        filled_on = self.days_ago(HISTORY_DAYS + 10, HISTORY_DAYS + 60)
        reviewed_on = self.days_ago(5, 360) if rng.random() < 0.7 else self.days_ago(370, HISTORY_DAYS - 10)
        new_contact = self._contact_person(country) if rng.random() < 0.5 else ""
        return ProfilePlan(country, facts, arrangement, missions, filled_on, reviewed_on, new_contact)

    def _mission(self, country: DemoCountry, seat_key: str, kind: str) -> dict[str, str]:
        rng, seat = self.rng, SEATS[seat_key]
        return {
            "kind": kind, "city": seat.city, "located_in": seat.located_in,
            "address": f"{rng.choice(seat.streets)} {rng.randint(2, 180)}\n"
                       f"{seat.postcode.format(n=rng.randint(10, 99))}",
            "email": f"consular.{country.code.lower()}.{seat_key}@{EMAIL_DOMAIN}",
            "phone": seat.phone.format(n=rng.randint(100, 999), m=rng.randint(0, 9999)),
            "contact_person": self._contact_person(country),
            "correspondence_language": country.language,
        }

    def _contact_person(self, country: DemoCountry) -> str:
        pool = NAMES[country.names]
        female = self.rng.random() < 0.4
        given = self.rng.choice(pool.female if female else pool.male)
        return f"{'mevr.' if female else 'dhr.'} {given} {self.rng.choice(pool.family)}"

    # Persons ----------------------------------------------------------------------

    def persons(self, count: int) -> list[PersonPlan]:
        scenarios = list(SHOWCASE)
        for kind, per in CURRENT_WORK:
            scenarios += [kind] * max(1, count // per)
        plans = [self._scenario_person(kind) for kind in scenarios]
        plans += [self._natural_person() for _ in range(max(0, count - len(plans)))]
        self._detain(plans)
        self.rng.shuffle(plans)  # so the showcase is spread over the ids
        return plans

    def _country(self, where: Callable[[DemoCountry], bool] = lambda c: True) -> DemoCountry:
        candidates = [c for c in COUNTRIES if where(c)]
        return self.rng.choices(candidates, weights=[c.weight for c in candidates])[0]

    def _person(self, country: DemoCountry) -> PersonPlan:
        rng, pool = self.rng, NAMES[country.names]
        female = rng.random() < 0.12
        given = rng.choice(pool.female if female else pool.male)
        family = rng.choice(pool.family)
        name = {
            "gf": f"{given} {family}",
            "fg": f"{family} {given}",
            "gff": " ".join([given, *rng.sample(pool.family, 2)]),
            "fmg": f"{family} {'Thi' if female else 'Van'} {given}",
        }[pool.style]
        age = 18 + int(rng.betavariate(2, 5) * 45)
        documents = []
        for kind in rng.sample(["passport", "id_card", "birth_certificate", "driving_licence"],
                               rng.choices([0, 1, 2], weights=[55, 35, 10])[0]):
            documents.append({"kind": kind, "number": f"{country.code}{rng.randint(1_000_000, 9_999_999)}",
                              "copy_on_file": "yes" if rng.random() < 0.75 else "no"})
        return PersonPlan(
            country=country, name=name, v_number=self._v_number(),
            date_of_birth=self.today - timedelta(days=age * 365 + rng.randint(0, 364)),
            willingness=rng.choices(["willing", "unwilling", "unknown"], weights=[20, 45, 35])[0],
            documents=documents, officer=rng.choice(OFFICERS),
        )

    def _v_number(self) -> str:
        while True:
            number = str(self.rng.randrange(10**9, 10**10))
            if number not in self._v_numbers:
                self._v_numbers.add(number)
                return number

    def _natural_person(self) -> PersonPlan:
        country = self._country()
        person = self._person(country)
        start = self.days_ago(3, HISTORY_DAYS)
        while True:
            fate = self._natural_fate(country, person, start)
            self._add_request(person, country, fate)
            closed = fate.closed_on
            if closed is None or not _worth_another_try(fate) or self.rng.random() > 0.7:
                break
            start = self.after(closed, 14, 120)
            if start > self.today - timedelta(days=3):
                break
            doubted = fate.outcome == "refuse" and fate.reason in ("nationality_not_established", "not_recognised")
            if doubted and country.code in ALTERNATIVES and self.rng.random() < 0.5:
                country = BY_CODE[ALTERNATIVES[country.code]]
        return self._registered(person)

    def _scenario_person(self, kind: str) -> PersonPlan:
        if kind in ("upcoming", "presented"):
            country = self._country(lambda c: c.presentation in ("yes", "sometimes"))
        elif kind == "refused:unwilling":
            country = self._country(lambda c: c.refuses_unwilling == "yes" and c.presentation != "yes")
        else:
            country = self._country(lambda c: c.presentation != "yes")
        person = self._person(country)
        if kind == "refused:unwilling":
            person.willingness = "unwilling"
        self._add_request(person, country, self._scenario_fate(kind))
        return self._registered(person)

    def _registered(self, person: PersonPlan) -> PersonPlan:
        first = person.requests[0].fate.created_on
        person.registered_on = self.weekday(first - timedelta(days=self.rng.randint(0, 30)))
        return person

    def _detain(self, plans: list[PersonPlan]) -> None:
        """Put some persons whose latest request is open and recent in detention."""
        recent = self.today - timedelta(days=150)
        candidates = [p for p in plans if p.requests[-1].fate.closed_on is None
                      and p.requests[-1].fate.created_on >= recent]
        for person in self.rng.sample(candidates, min(len(candidates), round(DETENTION_SHARE * len(plans)))):
            since = person.requests[-1].fate.created_on - timedelta(days=self.rng.randint(0, 21))
            person.detention_since = max(since, person.registered_on or since)

    # Fates ------------------------------------------------------------------------

    def _created(self, submitted_on: date) -> date:
        return self.weekday(submitted_on - timedelta(days=self.rng.randint(0, 7)))

    def _scenario_fate(self, kind: str) -> Fate:
        """Return the fate of a request that must end in a given state."""
        if kind == "draft":
            return Fate(created_on=self.days_ago(0, 10))
        if kind == "upcoming":
            submitted = self.days_ago(20, 45)
            at = datetime.combine(self.after(self.today, 1, 14, future_ok=True), self.rng.choice(PRESENTATION_SLOTS))
            recorded = max(self.days_ago(1, 10), submitted + timedelta(days=1))
            return Fate(self._created(submitted), submitted, [Presentation(recorded, at, None)])
        if kind == "presented":
            submitted = self.days_ago(40, 80)
            recorded = self.after(submitted, 7, 20)
            at = datetime.combine(self.after(recorded, 5, 15), self.rng.choice(PRESENTATION_SLOTS))
            return Fate(self._created(submitted), submitted, [Presentation(recorded, at, True)])
        if kind == "expiring":
            issued = self.today + timedelta(days=self.rng.randint(0, 13) - LP_VALIDITY_DAYS)
            submitted = self.weekday(issued - timedelta(days=self.rng.randint(15, 90)))
            return Fate(self._created(submitted), submitted, outcome="issue", decided_on=issued)
        if kind == "paused":
            submitted = self.days_ago(60, 200)
            return Fate(self._created(submitted), submitted, pause=(self.days_ago(5, 30), None))
        if kind == "submitted":
            submitted = self.days_ago(90, 300)
            return Fate(self._created(submitted), submitted)
        if kind == "no_reply":
            submitted = self.days_ago(NO_REPLY_AFTER_DAYS + 60, HISTORY_DAYS)
            return Fate(self._created(submitted), submitted, outcome="no_reply",
                        decided_on=self.after(submitted, NO_REPLY_AFTER_DAYS, NO_REPLY_AFTER_DAYS + 30))
        submitted = self.days_ago(150, HISTORY_DAYS)
        created, decided = self._created(submitted), self.after(submitted, 20, 90)  # in this order: one random stream
        fate = Fate(created, submitted, decided_on=decided)
        outcome, _, reason = kind.partition(":")
        fate.outcome = {"used": "issue", "expired": "issue", "refused": "refuse", "withdrawn": "withdraw"}.get(
            outcome, outcome)
        fate.reason = reason
        if outcome == "used":
            fate.after_issue = ("used", decided + timedelta(days=self.rng.randint(3, 20)))
        elif outcome == "expired":
            fate.after_issue = ("expired", decided + timedelta(days=LP_VALIDITY_DAYS + self.rng.randint(1, 7)))
        return fate

    def _natural_fate(self, country: DemoCountry, person: PersonPlan, submitted: date) -> Fate:
        """Return what happened to a request, drawn from the country's behaviour."""
        rng, behaviour = self.rng, BEHAVIOURS[country.behaviour]
        fate = Fate(self._created(submitted), submitted)
        answer = None
        if rng.random() < behaviour.answer_rate:
            delay = int(rng.lognormvariate(math.log(behaviour.median_days), 0.6))
            answer = self.weekday(submitted + timedelta(days=min(max(delay, 3), 330)))
        if country.presentation == "yes" or (country.presentation == "sometimes" and rng.random() < 0.4):
            fate.presentations = self._presentations(submitted)
            held = [p for p in fate.presentations if p.took_place]
            if fate.presentations and fate.presentations[-1].took_place is None:
                answer = None  # the embassy waits for the interview
            elif held:  # an interview often brings an answer, even from a slow embassy
                if answer or rng.random() < 0.5:
                    answer = max(answer or submitted, self.after(held[-1].at.date(), 7, 60))
            elif not held and country.presentation == "yes":
                answer = None
        candidates = []
        if answer:
            candidates.append((answer, "answer"))
        if rng.random() < 0.12:
            reason = rng.choices(list(WITHDRAWAL_WEIGHTS), weights=list(WITHDRAWAL_WEIGHTS.values()))[0]
            candidates.append((self.after(submitted, 15, 420), "withdraw:" + reason))
        if answer is None and rng.random() < 0.8:
            candidates.append((self.after(submitted, NO_REPLY_AFTER_DAYS, NO_REPLY_AFTER_DAYS + 45), "no_reply"))
        candidates = sorted(c for c in candidates if c[0] <= self.today)
        if candidates:
            fate.decided_on, what = candidates[0]
            fate.outcome, _, fate.reason = what.partition(":")
            if fate.outcome == "answer":
                self._answer(fate, country, person)
        self._cut_presentations(fate)
        if rng.random() < 0.06:
            fate.pause = self._pause(submitted, fate.decided_on)
        return fate

    def _presentations(self, submitted: date) -> list[Presentation]:
        result, recorded = [], self.after(submitted, 7, 40)
        for _attempt in range(2):
            if recorded > self.today:
                break
            day = self.after(recorded, 5, 30, future_ok=True)
            at = datetime.combine(day, self.rng.choice(PRESENTATION_SLOTS))
            if day >= self.today:
                result.append(Presentation(recorded, at, None))
                break
            took_place = self.rng.random() < 0.88
            result.append(Presentation(recorded, at, took_place))
            if took_place:
                break
            recorded = self.after(day, 5, 20)
        return result

    def _cut_presentations(self, fate: Fate) -> None:
        """Drop what the outcome made impossible: no presentation after the request closed."""
        if fate.decided_on is None:
            return
        kept = []
        for presentation in fate.presentations:
            if presentation.recorded_on >= fate.decided_on:
                break
            if presentation.at.date() >= fate.decided_on:
                kept.append(Presentation(presentation.recorded_on, presentation.at, None))
                break
            kept.append(presentation)
        fate.presentations = kept

    def _answer(self, fate: Fate, country: DemoCountry, person: PersonPlan) -> None:
        rng, behaviour = self.rng, BEHAVIOURS[country.behaviour]
        honours = {"yes": 0.7, "sometimes": 0.35}.get(country.refuses_unwilling, 0)
        draw = rng.random()
        if person.willingness == "unwilling" and rng.random() < honours:
            fate.outcome, fate.reason = "refuse", "unwilling"
        elif draw < behaviour.issue:
            assert fate.decided_on is not None, "an answer has its day"
            fate.outcome = "issue"
            fate.after_issue = self._after_issue(fate.decided_on)
        elif draw < behaviour.issue + behaviour.refuse:
            copy = any(d["copy_on_file"] == "yes" for d in person.documents)
            fate.outcome = "refuse"
            fate.reason = rng.choices(["nationality_not_established", "not_recognised", "other"],
                                      weights=[45 if copy else 60, 40, 15])[0]
        else:
            fate.outcome = "handover"

    def _after_issue(self, issued: date) -> tuple[str, date] | None:
        rng, valid_until = self.rng, issued + timedelta(days=LP_VALIDITY_DAYS)
        draw = rng.random()
        if draw < 0.82:
            outcome, day = "used", issued + timedelta(days=rng.randint(2, 21))
        elif draw < 0.93:
            if valid_until >= self.today:
                return None
            outcome, day = "expired", min(valid_until + timedelta(days=rng.randint(1, 10)), self.today)
        else:
            outcome, day = "withdraw", issued + timedelta(days=rng.randint(1, LP_VALIDITY_DAYS - 1))
        return (outcome, day) if day <= self.today else None

    def _pause(self, submitted: date, closed: date | None) -> tuple[date, date | None] | None:
        start = self.after(submitted, 5, 60)
        end = start + timedelta(days=self.rng.randint(10, 50))
        if start > self.today or (closed and start >= closed):
            return None
        if closed and end >= closed:
            return start, closed
        if end > self.today:
            return start, None  # still paused today
        return start, end

    # Steps ------------------------------------------------------------------------

    def _add_request(self, person: PersonPlan, country: DemoCountry, fate: Fate) -> None:
        rng = self.rng
        mission = 1 if country.consulate and rng.random() < 0.25 else 0
        identity = {"yes": True, "sometimes": rng.random() < 0.5}.get(country.fact(2), False)
        plan = RequestPlan(country, mission, identity, fate)
        if fate.submitted_on is not None:
            plan.steps = self._steps(plan, person)
        person.requests.append(plan)

    def _steps(self, plan: RequestPlan, person: PersonPlan) -> list[Step]:
        rng, fate, country = self.rng, plan.fate, plan.country
        submitted = fate.submitted_on
        assert submitted is not None, "only a submitted request has steps"
        steps = [self._submit(plan, person)]
        waiting: list[Step] = []
        seat = SEATS[country.consulate if plan.mission else country.seat]
        for presentation in fate.presentations:
            place = ("Detentiecentrum Rotterdam (bezoek van de ambassade)" if rng.random() < 0.15
                     else f"{'Consulaat' if plan.mission else 'Ambassade'}, {seat.city}")
            admitted = {"yes": "yes", "sometimes": rng.choice(["yes", "no"])}.get(country.fact(4), "no")
            waiting.append(Step(presentation.recorded_on, "transition", {
                "presentation_at": presentation.at.strftime("%Y-%m-%dT%H:%M"), "place": place,
                "interpreter": country.interpreter, "staff_admitted": admitted,
            }, action="schedule_presentation", by_desk=True))
            if presentation.took_place is not None:
                day = presentation.at.date()
                waiting.append(Step(day, "transition", {
                    "occurred_on": day.isoformat(), "took_place": "yes" if presentation.took_place else "no",
                }, action="record_presentation",
                    note="" if presentation.took_place else "Betrokkene weigerde mee te werken aan de presentatie."))
        if fate.pause:
            start, end = fate.pause
            waiting.append(Step(start, "pause", {"reason": rng.choice(PAUSE_REASONS),
                                                 "occurred_on": start.isoformat()}))
            if end:
                waiting.append(Step(end, "resume", {"reason": rng.choice(RESUME_REASONS),
                                                    "occurred_on": end.isoformat()}))
        waiting += self._contacts(country, submitted, fate.decided_on)
        steps += sorted(waiting, key=lambda step: step.day)  # stable: a resume stays after its pause
        steps += self._outcome(fate)
        return steps

    def _submit(self, plan: RequestPlan, person: PersonPlan) -> Step:
        rng, country, submitted = self.rng, plan.country, plan.fate.submitted_on
        assert submitted is not None, "only a submitted request has steps"
        channel = country.channel if rng.random() < 0.6 else rng.choices(
            ["email", "post", "courier", "in_person"], weights=[50, 30, 10, 10])[0]
        enclosed = ["Ingevuld aanvraagformulier", "pasfoto's"]
        if country.fact(1) == "yes":
            enclosed.append("vingerafdrukken")
        enclosed += [f"kopie {DOCUMENT_WORDS[d['kind']]}" for d in person.documents if d["copy_on_file"] == "yes"]
        reference = f"{country.code}-{submitted:%Y}-{rng.randint(1, 99999):05d}" if channel == "electronic" else ""
        return Step(submitted, "transition", {
            "submitted_on": submitted.isoformat(), "channel": channel, "embassy_reference": reference,
            "documents_enclosed": ", ".join(enclosed) + ".",
        }, action="submit")

    def _contacts(self, country: DemoCountry, submitted: date, closed: date | None) -> list[Step]:
        """Return the reminders staff sent while waiting: more, and sterner, the longer it took."""
        rng, steps = self.rng, []
        until = closed or self.today + timedelta(days=1)

        def contact(day: date, kind: str, note: str) -> None:
            steps.append(Step(day, "contact", {"contact_kind": kind, "occurred_on": day.isoformat(), "note": note},
                              by_desk=True))

        receipt = self.after(submitted, 2, 10)
        if rng.random() < 0.2 and receipt < until:
            contact(receipt, "call", RECEIPT_NOTE)
        day = submitted + timedelta(days=country.reply_limit + rng.randint(0, 10))
        for number in range(6):
            day = self.weekday(day)
            if day >= until:
                break
            kind = (rng.choice(["email", "call"]) if number == 0 else "note_verbale" if number == 1
                    else rng.choice(["call", "email", "note_verbale", "visit"]))
            contact(day, kind, rng.choice(CONTACT_NOTES[kind]))
            day += timedelta(days=rng.randint(30, 75))
        return steps

    def _outcome(self, fate: Fate) -> list[Step]:
        if fate.outcome is None:
            return []
        decided_on = fate.decided_on
        assert decided_on is not None, "every outcome has its day"
        decided = decided_on.isoformat()
        if fate.outcome == "refuse":
            return [Step(decided_on, "transition", {"refusal_reason": fate.reason, "decided_on": decided},
                         action="refuse", note=REFUSAL_NOTES[fate.reason])]
        if fate.outcome == "withdraw":
            return [_withdrawal(decided_on, fate.reason)]
        if fate.outcome == "no_reply":
            return [Step(decided_on, "transition", {"decided_on": decided}, action="record_no_reply",
                         note=NO_REPLY_NOTE, by_desk=True)]
        if fate.outcome == "handover":
            return [Step(decided_on, "transition", {"decided_on": decided}, action="agree_handover",
                         note="Overdracht aan de grens afgesproken, zonder reisdocument.")]
        valid_until = decided_on + timedelta(days=LP_VALIDITY_DAYS)
        steps = [Step(decided_on, "transition", {
            "lp_number": f"{fate.submitted_on:%y}{self.rng.randint(100000, 999999)}", "issued_on": decided,
            "valid_until": valid_until.isoformat(),
        }, action="issue")]
        if fate.after_issue:
            what, day = fate.after_issue
            if what == "used":
                steps.append(Step(day, "transition", {"departed_on": day.isoformat()}, action="record_departure"))
            elif what == "expired":
                steps.append(Step(day, "transition", {}, action="record_expiry",
                                  note="Vertrek kon niet binnen de geldigheid van het LP worden gerealiseerd."))
            else:
                steps.append(_withdrawal(day, "absconded"))
        return steps


def _withdrawal(day: date, reason: str) -> Step:
    return Step(day, "transition", {"closure_reason": reason, "decided_on": day.isoformat()}, action="withdraw",
                note=WITHDRAWAL_NOTES[reason])


def _worth_another_try(fate: Fate) -> bool:
    """Tell whether a closed request may be followed by a new one for the same person."""
    if fate.outcome in ("refuse", "no_reply"):
        return True
    if fate.outcome == "withdraw":
        return fate.reason in ("absconded", "other")
    return fate.outcome == "issue" and fate.after_issue is not None and fate.after_issue[0] == "expired"
