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
from api.models.account_links import EmailChange, PasswordReset, StaffSignIn
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
from api.models.analytics import (
    AnalyticsBucket,
    AnalyticsResponse,
    AnalyticsSpan,
    AnalyticsSpanResponse,
)
from api.models.card import Card, CardStatus
from api.models.card_text import CardText
from api.models.event import Event, EventKind
from api.models.kiosk import Kiosk
from api.models.kudos import KudosScreen
from api.models.lifecycle import RetentionPolicy
from api.models.mail_server import OrganisationMailServer
from api.models.organisation import Code, Employee, EmployeeLocation, Location, Organisation
from api.models.people import Invitation
from api.models.protection import RateLimitCounter, RateLimitEntry
from api.models.push import PushSubscription
from api.models.recognition import Certificate, PassOn
from api.models.reply import Reply, ReplyEmail, ReplyTemplate
from api.models.two_factor import PendingLogin, RecoveryCode, TwoFactor
from api.models.types import utcnow
from api.models.work import CardNote, CardTag, Tag

__all__ = [
    "AnalyticsBucket",
    "AnalyticsResponse",
    "AnalyticsSpan",
    "AnalyticsSpanResponse",
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
    "Certificate",
    "CardText",
    "CardNote",
    "CardStatus",
    "CardTag",
    "Code",
    "EmailChange",
    "Employee",
    "EmployeeLocation",
    "Event",
    "EventKind",
    "Invitation",
    "Kiosk",
    "KudosScreen",
    "RateLimitCounter",
    "RateLimitEntry",
    "Location",
    "LoginThrottle",
    "Membership",
    "MembershipLocation",
    "Organisation",
    "PassOn",
    "Reply",
    "ReplyEmail",
    "ReplyTemplate",
    "PasswordReset",
    "PendingLogin",
    "RecoveryCode",
    "RetentionPolicy",
    "OrganisationMailServer",
    "PushSubscription",
    "Role",
    "StaffSignIn",
    "TwoFactor",
    "Tag",
    "User",
    "UserSession",
    "utcnow",
]
