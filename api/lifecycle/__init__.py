"""The data's life cycle: retention, a customer's rights requests, deleting an organisation."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers."""
    from api.lifecycle import pages, pages_delete

    return (pages.router, pages_delete.router)
