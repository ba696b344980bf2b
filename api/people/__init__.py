"""The organisation's people: members, roles, invitations, its own mail server."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.people import api, pages, pages_invitation, pages_mail

    return (
        pages_mail.router,
        pages.router,
        api.router,
        pages_invitation.router,
    )
