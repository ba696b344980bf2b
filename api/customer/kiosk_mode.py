"""What the card pages do differently on a kiosk (a tablet that serves customer after customer)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class KioskMode:
    """The kiosk that opened the page: the card posts back to its own link (`path`), is counted
    against the kiosk's budget, and shows nothing a next customer should not see."""

    id: int
    # "/k/<device token>": the tablet's page, where its cards are sent and its manifest lives.
    path: str
    # How long the thank-you stays, and how long an untouched card waits, before starting again.
    reset_seconds: float
    idle_seconds: float
