"""The manager's inbox: cards, working them, the live stream, push, replies, the cards API."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.inbox import api, api_work, pages, pages_live, pages_push, pages_work
    from api.inbox.replies import api as replies_api
    from api.inbox.replies import pages as replies_pages

    return (
        pages_live.router,
        replies_pages.router,
        pages_push.router,
        pages_work.router,
        pages.router,
        api.router,
        replies_api.router,
        api_work.router,
    )
