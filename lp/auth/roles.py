"""Roles: what each kind of account may do."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    """An account's role; each role may do everything the roles below it may."""

    VIEWER = "viewer"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """Return whether this role may do what ``needed`` may do."""
        return self.rank >= needed.rank

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.VIEWER: _l("Viewer (reads only)"),
    Role.STAFF: _l("Staff (edits requests and profiles)"),
    Role.ADMIN: _l("Administrator (also manages users)"),
}
