"""Country profiles: a country's rules, its agreements and missions, and their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lp.core.types import UTCDateTime, utcnow
from lp.web.extensions import IDS_NEVER_REUSED, Model

if TYPE_CHECKING:  # only for the annotations of the relationships; the mapper resolves them by name
    from lp.auth.models import User


class Country(Model):
    """One ISO 3166-1 country and what we know of how its embassies work."""

    __tablename__ = "countries"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    alpha2: Mapped[str] = mapped_column(String(2), unique=True)
    alpha3: Mapped[str] = mapped_column(String(3), unique=True)
    name_nl: Mapped[str] = mapped_column(String(120), index=True)
    name_en: Mapped[str] = mapped_column(String(120), index=True)
    region: Mapped[str | None] = mapped_column(String(3))

    presentation_required: Mapped[str] = mapped_column(String(10), default="unknown")
    biometric_registers: Mapped[str] = mapped_column(String(10), default="unknown")
    requires_identity: Mapped[str] = mapped_column(String(10), default="unknown")
    refuses_unwilling: Mapped[str] = mapped_column(String(10), default="unknown")
    staff_admitted_to_interview: Mapped[str] = mapped_column(String(10), default="unknown")
    accepted_documents: Mapped[str] = mapped_column(Text, default="")
    lp_validity_days: Mapped[int | None] = mapped_column(Integer)
    #: Days before an issued LP expires by which the flight must be booked (None: LP_FLIGHT_LEAD_DAYS).
    flight_lead_days: Mapped[int | None] = mapped_column(Integer)
    forced_return: Mapped[str] = mapped_column(String(10), default="unknown")
    excluded_from_iom: Mapped[str] = mapped_column(String(10), default="unknown")
    portfolio_holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    last_reviewed_on: Mapped[date | None] = mapped_column(Date)
    #: Overrides of the reminder policy for this country (see lp.requests.deadlines.POLICY_DEFAULTS).
    reminder_policy: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)

    #: Bumped by every change to the profile, its agreements or its missions.
    version: Mapped[int] = mapped_column(default=1)
    #: Set once a person (not the seeder) changed anything; seeding then leaves it alone.
    edited: Mapped[bool] = mapped_column(default=False)

    portfolio_holder: Mapped[User | None] = relationship(foreign_keys=[portfolio_holder_id])
    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="country", order_by="Agreement.id", cascade="all, delete-orphan"
    )
    missions: Mapped[list[Mission]] = relationship(
        back_populates="country", order_by="Mission.id", cascade="all, delete-orphan"
    )

    # The services set the next version themselves (one bump per edit, however many
    # rows it touches); the UPDATE still checks the old one, so a concurrent save fails.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    def name(self, language: str) -> str:
        """Return the country's name in ``language`` (nl or en)."""
        return self.name_en if language == "en" else self.name_nl

    def __repr__(self) -> str:
        return f"<Country {self.alpha2}>"


class Agreement(Model):
    """A readmission agreement, MoU or other arrangement with a country."""

    __tablename__ = "agreements"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(Text, default="")
    in_force_since: Mapped[date | None] = mapped_column(Date)
    #: The days the other party has to answer a readmission request, counted in ``reply_time_limit_unit``.
    reply_time_limit_days: Mapped[int | None] = mapped_column(Integer)
    #: calendar, working or unknown: the agreements differ, and working days run longer.
    reply_time_limit_unit: Mapped[str] = mapped_column(String(10), default="unknown")
    #: Days the limit may be extended to on a justified request (the agreement's maximum), if any.
    reply_extension_days: Mapped[int | None] = mapped_column(Integer)
    silence_is_acceptance: Mapped[str] = mapped_column(String(10), default="unknown")
    source: Mapped[str] = mapped_column(Text, default="")

    country: Mapped[Country] = relationship(back_populates="agreements")


class Mission(Model):
    """An embassy or consulate that handles LP requests for a country."""

    __tablename__ = "missions"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="embassy")
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120), default="")
    located_in: Mapped[str] = mapped_column(String(2), default="NL")
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    contact_person: Mapped[str] = mapped_column(String(120), default="")
    correspondence_language: Mapped[str] = mapped_column(String(2), default="en")

    country: Mapped[Country] = relationship(back_populates="missions")


class ProfileChange(Model):
    """One field of a profile, agreement or mission changed: append-only history."""

    __tablename__ = "profile_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"))
    #: The country's version that this change produced.
    version: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(10), default="ui")
    entity: Mapped[str] = mapped_column(String(10))
    entity_id: Mapped[int | None]
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (Index("ix_profile_changes_country_version", "country_id", "version"),)


class ReferenceDataVersion(Model):
    """Which version of a shipped reference data set (e.g. the agreements) a database holds.

    ``lp init`` brings the database up to the shipped data and records the version here,
    so an administrator can see which corrections the database has received.
    """

    __tablename__ = "reference_data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int]
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
