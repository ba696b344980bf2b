"""Alerts: routing, the outbox and its worker, escalations, digests, unsubscribing."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.alerts import api, pages, pages_unsubscribe, pages_webhooks

    return (
        pages_webhooks.router,
        pages.router,
        api.router,
        pages_unsubscribe.router,
    )
