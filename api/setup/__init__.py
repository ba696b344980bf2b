"""The owner's set-up: profile, locations, employees, codes, kiosks, card texts, API keys."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.setup import (
        api,
        api_card_texts,
        api_organisation,
        pages,
        pages_archive,
        pages_card_texts,
        pages_codes,
        pages_kiosks,
        pages_profile,
    )
    from api.setup.api_keys import pages as api_keys_pages

    return (
        pages.router,
        pages_archive.router,
        pages_codes.router,
        pages_kiosks.router,
        api_keys_pages.router,
        pages_profile.router,
        pages_card_texts.router,
        api_card_texts.router,
        api_organisation.router,
        api.router,
    )
