"""What customers talk about: words and two-word phrases that stand out in concerns (1–2)
against compliments (4–5) in a period, from the cards' own comments (no third party).

Each side reads its latest SAMPLE cards of the period, so a year of a busy organisation costs
what a few weeks do; the score is the smoothed log-odds of a term's share of concerns against
its share of compliments, for terms in at least MIN_CARDS concerns.
"""

import math
import re
from collections import Counter
from datetime import datetime

from sqlmodel import Session, col, select

from api.analytics.figures import FigureFilter
from api.analytics.schemas import Topic
from api.analytics.stop_words import stop_words_for
from api.models import Card
from api.tenancy import Tenant

SAMPLE = 1500
MIN_CARDS = 2
TOPICS = 12
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
HAN = re.compile(r"[\u4e00-\u9fff]")


def card_terms(comment: str, language: str) -> set[str]:
    """The words and two-word phrases of a comment, stop words left out (a phrase is two
    neighbouring words, nothing but spaces between them); Chinese, written without spaces,
    as pairs of characters."""
    stop = stop_words_for(language)
    terms: set[str] = set()
    previous: str | None = None
    text = comment.lower()
    last_end = 0
    for match in WORD.finditer(text):
        word = match.group()
        if text[last_end : match.start()].strip():
            previous = None  # a comma or a full stop ends a phrase
        last_end = match.end()
        if not word.isascii() and HAN.search(word):
            characters = [c for c in word if HAN.match(c)]
            terms |= {
                a + b
                for a, b in zip(characters, characters[1:], strict=False)
                if a not in stop and b not in stop
            }
            previous = None
            continue
        if word in stop or len(word) < 2:
            previous = None
            continue
        terms.add(word)
        if previous is not None:
            terms.add(f"{previous} {word}")
        previous = word
    return terms


def _documents(
    session: Session,
    tenant: Tenant,
    filters: FigureFilter,
    ratings: tuple[int, ...],
    start: datetime,
    end: datetime,
) -> list[set[str]]:
    statement = select(Card.comment, Card.language).where(
        Card.organisation_id == tenant.organisation_id,
        col(Card.created_at) >= start,
        col(Card.created_at) < end,
        col(Card.rating).in_(ratings),
        col(Card.comment) != "",
    )
    if tenant.location_ids is not None:
        statement = statement.where(col(Card.location_id).in_(tenant.location_ids))
    for name in ("location_id", "employee_id", "code_id"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(Card, name) == value)
    rows = session.exec(statement.order_by(col(Card.created_at).desc()).limit(SAMPLE))
    return [card_terms(comment, language) for comment, language in rows]


def read_topics(
    *, session: Session, tenant: Tenant, filters: FigureFilter, start: datetime, end: datetime
) -> list[Topic]:
    """The terms that stand out in concerns against compliments, most telling first."""
    concerns = _documents(session, tenant, filters, (1, 2), start, end)
    compliments = _documents(session, tenant, filters, (4, 5), start, end)
    in_concerns = Counter(term for terms in concerns for term in terms)
    in_compliments = Counter(term for terms in compliments for term in terms)
    scored = []
    for term, count in in_concerns.items():
        if count < MIN_CARDS:
            continue
        score = math.log((count + 1) / (len(concerns) + 1)) - math.log(
            (in_compliments[term] + 1) / (len(compliments) + 1)
        )
        if score > 0:
            scored.append((score, count, term))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2]))
    return [
        Topic(term=term, concerns=count, compliments=in_compliments[term], score=round(score, 3))
        for score, count, term in scored[:TOPICS]
    ]
