"""Persons (vreemdelingen) and the identity documents they hold or held."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lp.core.types import UTCDateTime, utcnow
from lp.web.extensions import IDS_NEVER_REUSED, Model

if TYPE_CHECKING:  # only for the annotations of the relationships; the mapper resolves them by name
    from countries.models import Country
    from lp.auth.models import User
    from lp.requests.models import LpRequest


class Person(Model):
    """The foreign national an LP is requested for (vreemdeling)."""

    __tablename__ = "persons"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    v_number: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    nationality_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"), index=True)
    in_detention_since: Mapped[date | None] = mapped_column(Date)
    #: The detention term (lp.persons.detention): its legal basis, and its maximum in months
    #: (None: the configured default).
    detention_legal_basis: Mapped[str] = mapped_column(String(200), default="", server_default="")
    detention_max_months: Mapped[int | None] = mapped_column(Integer)
    willingness: Mapped[str] = mapped_column(String(10), default="unknown")
    case_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the retention rule replaced the personal data (see lp/privacy).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    nationality: Mapped[Country | None] = relationship()
    case_officer: Mapped[User | None] = relationship()
    documents: Mapped[list[IdentityDocument]] = relationship(
        back_populates="person", order_by="IdentityDocument.id", cascade="all, delete-orphan"
    )
    requests: Mapped[list[LpRequest]] = relationship(
        back_populates="person", order_by="LpRequest.id.desc()"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def in_detention(self) -> bool:
        return self.in_detention_since is not None

    @property
    def has_identity_copy(self) -> bool:
        return any(document.copy_on_file for document in self.documents)


class IdentityDocument(Model):
    """An identity document the person holds or held (kind, number, copy on file)."""

    __tablename__ = "identity_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(60), default="")
    copy_on_file: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(back_populates="documents")
