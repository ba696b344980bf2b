"""The customer's side: a printed code's card, sending it, the offline app, the QR image."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.customer import api, pages, pages_offline, pages_qr
    from api.customer.follow_up import pages as follow_up_pages
    from api.customer.follow_up import pages_erase as follow_up_erase

    return (
        pages.router,
        api.router,
        follow_up_pages.router,
        follow_up_erase.router,
        pages_offline.router,
        pages_qr.router,
    )
