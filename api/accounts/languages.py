"""Each person's own language: their pages speak it, and so do the emails sent to them.

"" means "my browser's": pages then follow Accept-Language, and an email (which has no browser)
follows what its sender knows next: the page the person asked from, or the organisation's default
language.
"""

from sqlmodel import Session, col, select

from api.errors import Unprocessable
from api.i18n import ENGLISH, LANGUAGES, N_, Language, find_language
from api.models import Employee, Membership, Organisation, User

NOT_A_LANGUAGE = N_("Choose one of the listed languages.")


def person_language(user: User | None, *fallbacks: str | None) -> Language:
    """The language of an email to this person: theirs, else the first fallback we speak."""
    return find_language(user.language if user else None, *fallbacks) or ENGLISH


def set_user_language(*, session: Session, user_id: int, language: str) -> User:
    """Keep the person's language ("": their browser's); a language not listed is refused."""
    chosen = LANGUAGES.get(language.lower()) if language else None
    if language and chosen is None:
        raise Unprocessable(NOT_A_LANGUAGE)
    user = session.get_one(User, user_id)
    user.language = chosen.tag if chosen else ""
    session.add(user)
    session.commit()
    return user


def employee_language(
    *, session: Session, employee: Employee, organisation: Organisation
) -> Language:
    """The language of an email to an employee: that of the staff member they are (if one has
    chosen), else the one an owner gave the employee, else the organisation's default."""
    user = session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.employee_id == employee.id)
    ).first()
    return person_language(user, employee.language, organisation.default_language)
