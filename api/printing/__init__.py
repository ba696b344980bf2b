"""Print-ready sheets: badges, table tents, counter cards and posters as PDF."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.printing import api, pages

    return (pages.router, api.router)
