"""Import every model module, so the metadata (and Alembic) knows all tables."""

from countries.models import Agreement, Country, Mission, ProfileChange  # noqa: F401
from lp.auth.models import ApiToken, LoginAttempt, PasswordReset, SessionSearchTerm, User, UserSession  # noqa: F401
from lp.files.models import Attachment  # noqa: F401
from lp.mail.models import OutboxMail  # noqa: F401
from lp.persons.models import IdentityDocument, Person  # noqa: F401
from lp.presentations.models import PresentationDay, PresentationItem  # noqa: F401
from lp.reminders.models import JobRun, Notification, NotificationPreference, Reminder  # noqa: F401
from lp.requests.groups import RequestGroup  # noqa: F401
from lp.requests.models import AnswerTimeFact, FigureSnapshot, FigureVersion, LpRequest, RequestEvent  # noqa: F401
from lp.saved.models import SavedView  # noqa: F401
from lp.web.audit import AuditEvent  # noqa: F401
