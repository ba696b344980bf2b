"""Two-factor sign-in: TOTP secrets, single-use recovery codes, and the sign-in's second step."""

import secrets
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete
from sqlmodel import Session, col, select

from api.errors import Conflict, Unprocessable
from api.i18n import N_
from api.models import (
    Membership,
    Organisation,
    PendingLogin,
    RecoveryCode,
    Role,
    TwoFactor,
    User,
    utcnow,
)
from api.security import new_secret, same_secret, sha256_hex
from api.setup.locations import require_owner
from api.tenancy import Tenant

ISSUER = "Tellus"
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper is read back right.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PENDING_LOGIN_LIFETIME = timedelta(minutes=10)
WRONG_CODE = N_("That code is not right. Try the newest code from your app.")


def two_factor_of(*, session: Session, user_id: int) -> TwoFactor | None:
    """The user's secret, enabled or still being set up."""
    return session.get(TwoFactor, user_id)


def is_enabled(*, session: Session, user_id: int) -> bool:
    """Whether this user signs in with a second factor."""
    row = session.get(TwoFactor, user_id)
    return row is not None and row.enabled_at is not None


def start_setup(*, session: Session, user_id: int) -> TwoFactor:
    """A fresh secret to scan, not yet in force: it counts once a code from it is confirmed."""
    row = session.get(TwoFactor, user_id)
    if row is not None and row.enabled_at is not None:
        raise Conflict(N_("Two-factor sign-in is already on."))
    row = row or TwoFactor(user_id=user_id, secret="")
    row.secret, row.last_step, row.created_at = pyotp.random_base32(), None, utcnow()
    session.add(row)
    session.commit()
    return row


def provisioning_uri(*, secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def confirm_setup(*, session: Session, user_id: int, code: str) -> list[str]:
    """Turn two-factor on with a current code from the new secret; the recovery codes, once."""
    row = session.get(TwoFactor, user_id, with_for_update=True)
    if row is None or row.enabled_at is not None:
        raise Conflict(N_("Start the set-up again."))
    if not _accept_totp(row, code):
        raise Unprocessable(WRONG_CODE)
    row.enabled_at = utcnow()
    session.add(row)
    return _replace_recovery_codes(session, user_id)


def check_code(*, session: Session, user_id: int, code: str, now: datetime | None = None) -> bool:
    """A current authenticator code not used before, or an unused recovery code (then spent)."""
    row = session.get(TwoFactor, user_id, with_for_update=True)
    if row is None or row.enabled_at is None:
        return False
    accepted = _accept_totp(row, code, now) or _spend_recovery_code(session, user_id, code)
    if accepted:
        session.add(row)
        session.commit()
    else:
        session.rollback()
    return accepted


def regenerate_recovery_codes(*, session: Session, user_id: int, code: str) -> list[str]:
    """New recovery codes for a current code; the old ones stop working."""
    if not check_code(session=session, user_id=user_id, code=code):
        raise Unprocessable(WRONG_CODE)
    return _replace_recovery_codes(session, user_id)


def disable(*, session: Session, user_id: int, code: str) -> None:
    """Turn two-factor off, for a current code; the secret and recovery codes go."""
    if not check_code(session=session, user_id=user_id, code=code):
        raise Unprocessable(WRONG_CODE)
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    session.execute(delete(TwoFactor).where(col(TwoFactor.user_id) == user_id))
    session.commit()


def unused_recovery_codes(*, session: Session, user_id: int) -> int:
    """How many recovery codes are left."""
    rows = session.exec(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None)
        )
    ).all()
    return len(rows)


def set_two_factor_required(
    *, session: Session, tenant: Tenant, required: bool, staff: bool | None = None
) -> None:
    """Require (or stop requiring) two-factor sign-in of the organisation's managers and owners,
    and of its staff when `staff` says so (None: as it was)."""
    require_owner(tenant)
    # The owner who asks it of everyone goes first: no one locks themselves out by a click. An API
    # key has no account of its own: some owner must have it on already.
    if required and tenant.user_id is None and not an_owner_has_it(session, tenant):
        raise Unprocessable(N_("Turn on two-factor sign-in for an owner's account first."))
    if (
        required
        and tenant.user_id is not None
        and not is_enabled(session=session, user_id=tenant.user_id)
    ):
        raise Unprocessable(N_("Turn on two-factor sign-in for your own account first."))
    organisation = session.get(Organisation, tenant.organisation_id)
    assert organisation is not None
    organisation.require_two_factor = required
    if staff is not None:
        organisation.require_two_factor_staff = staff
    session.add(organisation)
    session.commit()


def an_owner_has_it(session: Session, tenant: Tenant) -> bool:
    """Whether one of the organisation's owners signs in with a second factor."""
    statement = (
        select(TwoFactor.user_id)
        .join(Membership, col(Membership.user_id) == col(TwoFactor.user_id))
        .where(
            Membership.organisation_id == tenant.organisation_id,
            Membership.role == Role.owner,
            col(TwoFactor.enabled_at).is_not(None),
        )
    )
    return session.exec(statement.limit(1)).first() is not None


def _accept_totp(row: TwoFactor, code: str, now: datetime | None = None) -> bool:
    """A code of this step or a neighbour (clocks drift), later than the last one accepted."""
    digits = "".join(code.split())
    if len(digits) != 6 or not (digits.isascii() and digits.isdigit()):
        return False
    totp = pyotp.TOTP(row.secret)
    step = totp.timecode(now or utcnow())
    for candidate in (step - 1, step, step + 1):
        if row.last_step is not None and candidate <= row.last_step:
            continue
        if same_secret(digits, totp.generate_otp(candidate)):
            row.last_step = candidate
            return True
    return False


def _normal_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _spend_recovery_code(session: Session, user_id: int, code: str) -> bool:
    normal = _normal_recovery_code(code)
    if len(normal) != 10:
        return False
    row = session.exec(
        select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == sha256_hex(normal),
            col(RecoveryCode.used_at).is_(None),
        )
        .with_for_update()
    ).first()
    if row is None:
        return False
    row.used_at = utcnow()
    session.add(row)
    return True


def _replace_recovery_codes(session: Session, user_id: int) -> list[str]:
    """Ten new codes; only their hashes are stored (they carry ~49 bits each, no salt needed)."""
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        plain = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        session.add(RecoveryCode(user_id=user_id, code_hash=sha256_hex(plain)))
        codes.append(f"{plain[:5]}-{plain[5:]}")
    session.commit()
    return codes


def start_pending_login(
    *, session: Session, user: User, next_path: str, organisation_id: int | None = None
) -> str:
    """A right password waiting for its code: the token for a short-lived cookie."""
    now = utcnow()
    session.execute(delete(PendingLogin).where(col(PendingLogin.expires_at) < now))
    token = new_secret()
    session.add(
        PendingLogin(
            id=sha256_hex(token),
            user_id=user.id,  # type: ignore[arg-type]
            next_path=next_path,
            organisation_id=organisation_id,
            expires_at=now + PENDING_LOGIN_LIFETIME,
        )
    )
    session.commit()
    return token


def load_pending_login(*, session: Session, token: str) -> tuple[PendingLogin, User] | None:
    """The half-finished sign-in behind a cookie, or None once it expired or was used."""
    row = session.get(PendingLogin, sha256_hex(token)) if token else None
    if row is None or row.expires_at < utcnow():
        return None
    user = session.get(User, row.user_id)
    return (row, user) if user is not None else None


def end_pending_login(*, session: Session, token: str) -> None:
    """The second step is done (or abandoned): its state goes."""
    session.execute(delete(PendingLogin).where(col(PendingLogin.id) == sha256_hex(token)))
    session.commit()
