"""Signing in and out, two-factor sign-in, the signed-in person's own account."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package's modules need no FastAPI until its routes are wanted
    from fastapi import APIRouter


def routers() -> tuple["APIRouter", ...]:
    """This package's routers, in the order the app must try them."""
    from api.accounts import (
        pages,
        pages_account,
        pages_email,
        pages_password,
        pages_password_reset,
        pages_security,
        pages_two_factor,
    )

    return (
        pages.router,
        pages_two_factor.router,
        pages_account.router,
        pages_password_reset.router,
        pages_security.router,
        pages_password.router,
        pages_email.router,
    )
