"""An organisation's reusable reply texts, offered in the reply form of every card."""

from sqlmodel import Session, col

from api.errors import Unprocessable
from api.i18n import N_
from api.inbox.replies.service import check_reply_body
from api.models import ReplyTemplate
from api.tenancy import Tenant, get_scoped, scoped

TITLE_MAX = 80


class TemplateTitle(Unprocessable):
    title = N_("Please give the template a title of up to 80 characters.")


def list_templates(*, session: Session, tenant: Tenant) -> list[ReplyTemplate]:
    """The organisation's reply templates, by title."""
    statement = scoped(tenant, ReplyTemplate).order_by(col(ReplyTemplate.title))
    return list(session.exec(statement).all())


def find_template(*, session: Session, tenant: Tenant, template_id: int) -> ReplyTemplate:
    return get_scoped(session, tenant, ReplyTemplate, template_id)


def check_template(title: str, body: str) -> tuple[str, str]:
    """The title and text, trimmed; raises with a sentence to show when either is unusable."""
    title = title.strip()
    if not title or len(title) > TITLE_MAX:
        raise TemplateTitle()
    return title, check_reply_body(body)


def save_template(
    *, session: Session, tenant: Tenant, title: str, body: str, template_id: int | None = None
) -> ReplyTemplate:
    """Create a template, or change one of this organisation's."""
    title, body = check_template(title, body)
    if template_id is None:
        template = ReplyTemplate(organisation_id=tenant.organisation_id, title=title, body=body)
    else:
        template = get_scoped(session, tenant, ReplyTemplate, template_id)
        template.title, template.body = title, body
    session.add(template)
    session.commit()
    return template


def delete_template(*, session: Session, tenant: Tenant, template_id: int) -> None:
    """Remove a template; replies already written from it stay as they are."""
    session.delete(get_scoped(session, tenant, ReplyTemplate, template_id))
    session.commit()
