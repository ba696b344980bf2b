"""The web layer: dependencies, middleware, body limits, log redaction, the health check."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing this package (api.web.id_rule) need not import FastAPI
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.web import api_docs, health

    return (health.router, api_docs.router)
