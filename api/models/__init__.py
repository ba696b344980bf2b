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
from api.models.alert import (
    AlertChannel,
    AlertDelivery,
    AlertKind,
    AlertPreference,
    AlertSettings,
    DeliveryStatus,
    LocationDuty,
    Webhook,
    WebhookStyle,
)
from api.models.card import Card, CardStatus
from api.models.event import Event, EventKind
from api.models.organisation import Code, Employee, EmployeeLocation, Location, Organisation
from api.models.types import utcnow

__all__ = [
    "AlertChannel",
    "AlertDelivery",
    "AlertKind",
    "AlertPreference",
    "AlertSettings",
    "DeliveryStatus",
    "LocationDuty",
    "Webhook",
    "WebhookStyle",
    "ApiKey",
    "AppSetting",
    "Card",
    "CardStatus",
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
    "User",
    "UserSession",
    "utcnow",
]
