"""The JSON API of recognition: pass a compliment on to the employee it names."""

from fastapi import APIRouter

from api.errors import error_responses
from api.recognition.mail import deliver_pass_on
from api.recognition.schemas import PassOnIn, PassOnOut
from api.recognition.service import describe_rows, pass_on_compliment
from api.web.deps import ApiTenant, PathId, RuntimeDep, WriteSessionDep

router = APIRouter(
    prefix="/api/v1", tags=["cards"], responses=error_responses(400, 401, 404, 409, 422, 503)
)


@router.post("/cards/{card_id:id}/pass-on", status_code=201)
def create_pass_on(
    card_id: PathId,
    data: PassOnIn,
    tenant: ApiTenant,
    session: WriteSessionDep,
    runtime: RuntimeDep,
) -> PassOnOut:
    """Thank the employee a compliment names and pass it on (once): emailed to them if they have
    an address, and the customer is told if they asked to hear back. `409` when already done."""
    stored = pass_on_compliment(
        session=session,
        tenant=tenant,
        card_id=card_id,
        note=data.note,
        copy_owner_id=data.copy_owner_id,
    )
    assert stored.id is not None
    delivered = deliver_pass_on(
        engine=runtime.engine,
        pass_on_id=stored.id,
        settings=runtime.settings,
        secret=runtime.secret_key,
    )
    return describe_rows(session=session, rows=[delivered])[card_id]
