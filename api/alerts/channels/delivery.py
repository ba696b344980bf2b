"""What every alert channel shares: the context a deliverer gets, and how it says "not now".

A deliverer sends one outbox row, or raises DeliveryError (or any error) for the worker to retry
later. The worker is handed its channels (see api.alerts.worker.default_channels); to add one,
write `def deliver_x(delivery, context) -> None` and add it there under its name.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from api.config import Settings
from api.models import AlertDelivery

# The delivery's idempotency key, in an email's and a webhook's headers alike.
DELIVERY_HEADER = "X-Tellus-Delivery"


class DeliveryError(Exception):
    """The channel could not deliver now; the text says why (shown to owners when parked)."""


class DestinationTimedOut(DeliveryError):
    """The webhook's or mail server's host did not answer in time: the worker holds the
    organisation's other deliveries to it back too (see api.alerts.backoff)."""


@dataclass(frozen=True)
class DeliveryContext:
    engine: Engine
    settings: Settings
    secret_key: str
    now: datetime


Deliverer = Callable[[AlertDelivery, DeliveryContext], None]
# Channel name (AlertDelivery.channel) → its deliverer.
Channels = Mapping[str, Deliverer]
