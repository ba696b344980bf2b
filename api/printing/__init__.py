"""Print-ready sheets: badges, table tents, counter cards and posters as PDF."""

from fastapi import APIRouter


def routers() -> tuple[APIRouter, ...]:
    """This package's routers, in the order the app must try them."""
    from api.printing import api, pages

    return (pages.router, api.router)
