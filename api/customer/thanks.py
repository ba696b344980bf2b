"""The thank-you page a card sent by the card page's form answers with."""

from functools import partial
from typing import NamedTuple

from fastapi import Request
from starlette.responses import Response

from api.customer.card_pages import FOLLOW_UP_URL
from api.customer.cards import Submission
from api.customer.codes import CodeContext
from api.customer.follow_up.service import follow_up_url
from api.customer.kiosk_mode import KioskMode
from api.customer.rendering import render_page
from api.runtime import Runtime


class Thanks(NamedTuple):
    """All the thank-you page shows of a card: its face, and whether a reply was asked for. The
    rendered page is kept for these two (api.customer.card_pages), so the page reads no more."""

    rating: int
    wants_reply: bool


def render_thanks(
    request: Request,
    context: CodeContext,
    runtime: Runtime,
    submission: Submission,
    *,
    kiosk: KioskMode | None = None,
) -> Response:
    """The thank-you page, rendered once per face and kept (all but the customer's own link);
    a kiosk's shows no follow-up link: the next customer would see it."""
    card = Thanks(rating=submission.card.rating, wants_reply=submission.card.wants_reply)
    page = {"code": context, "card": card, "follow_up_url": None, "kiosk": kiosk}
    if kiosk is not None:
        return render_page(request, "customer/thanks.html", page)
    link = follow_up_url(base_url=runtime.settings.base_url, token=submission.follow_up_token)
    return runtime.thanks_pages.serve(
        request,
        context,
        values={FOLLOW_UP_URL: link},
        variant=card,
        render=partial(
            render_page, request, "customer/thanks.html", page | {"follow_up_url": FOLLOW_UP_URL}
        ),
    )
