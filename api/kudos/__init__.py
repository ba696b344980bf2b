"""The kudos wall: compliments customers chose to share, once a manager approves them, on a
public page per organisation and location, and on a TV screen behind a revocable link."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.kudos import api, pages, pages_customer, pages_inbox, pages_setup

    return (pages.router, pages_customer.router, pages_inbox.router, pages_setup.router, api.router)
