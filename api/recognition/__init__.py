"""Recognition: a compliment passed on to the person who earned it, with a manager's thanks."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.recognition import api, pages, pages_certificates, pages_leaderboard

    return (
        pages.router,
        pages_leaderboard.router,
        pages_leaderboard.settings_router,
        pages_certificates.router,
        api.router,
    )
