"""The data's life cycle: retention, a customer's rights requests, deleting an organisation."""

from fastapi import APIRouter


def routers() -> tuple[APIRouter, ...]:
    """This package's routers."""
    from api.lifecycle import pages, pages_delete

    return (pages.router, pages_delete.router)
