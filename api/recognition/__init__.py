"""Recognition: a compliment passed on to the person who earned it, with a manager's thanks."""

from fastapi import APIRouter


def routers() -> tuple[APIRouter, ...]:
    """This package's routers, in the order the app must try them."""
    from api.recognition import api, pages

    return (pages.router, api.router)
