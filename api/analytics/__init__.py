"""Analytics: summaries kept with every card, the figures an owner reads, and the dashboard."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.analytics import api, pages

    return (pages.router, api.router)
