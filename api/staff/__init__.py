"""Staff: signing in by a one-time link, and their own page of compliments passed on to them."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.staff import pages, pages_manager

    return (pages.router, pages_manager.router)
