"""The database tables."""

from api.models.account import (
    ApiKey,
    AppSetting,
    LoginThrottle,
    Membership,
    MembershipLocation,
    Role,
    User,
    UserSession,
)
from api.models.card import Card, CardStatus
from api.models.event import Event, EventKind
from api.models.organisation import Code, Employee, EmployeeLocation, Location, Organisation
from api.models.types import utcnow
from api.models.work import CardNote, CardTag, Tag

__all__ = [
    "ApiKey",
    "AppSetting",
    "Card",
    "CardNote",
    "CardStatus",
    "CardTag",
    "Code",
    "Employee",
    "EmployeeLocation",
    "Event",
    "EventKind",
    "Location",
    "LoginThrottle",
    "Membership",
    "MembershipLocation",
    "Organisation",
    "Role",
    "Tag",
    "User",
    "UserSession",
    "utcnow",
]
