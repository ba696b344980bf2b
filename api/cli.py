"""The `tellus` command: serve, worker, migrate, demo, create-owner, api-key, reset-password,
print, backup, restore and analytics.

Each command imports what it needs when it runs, so that `tellus migrate` or `tellus --help` does
not wait seconds for every feature's services and the PDF library to load.
"""

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from api.config import Settings, get_settings
from api.errors import AppError

if TYPE_CHECKING:
    from sqlmodel import Session

    from api.models import Organisation


def main(argv: list[str] | None = None) -> int:
    args = command_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except AppError as error:
        print(f"tellus: {error}", file=sys.stderr)
        return 1


def command_parser() -> argparse.ArgumentParser:
    """Every `tellus` command and its options."""
    parser = argparse.ArgumentParser(prog="tellus", description="Tellus QR comment cards")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web app (uvicorn)")
    _server_options(serve)
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not deliver alerts in this process (a separate `tellus worker` runs)",
    )
    serve.add_argument(
        "--no-access-log",
        action="store_true",
        help="write no line for each request (when the reverse proxy in front logs them)",
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("worker", help="deliver alerts from the outbox (any number may run)")
    demo = commands.add_parser("demo", help="migrate, create a demo organisation and serve it")
    _server_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="only create the demo data")
    owner = commands.add_parser("create-owner", help="create an organisation and its owner")
    owner.add_argument("--email", required=True)
    owner.add_argument("--organisation", required=True, help="the organisation's name")
    owner.add_argument("--name", default="", help="the owner's display name")
    key = commands.add_parser("api-key", help="create an API key for an organisation")
    key.add_argument("--organisation", required=True, help="the organisation's slug")
    key.add_argument("--name", default="API key", help="what the key is for")

    reset = commands.add_parser(
        "reset-password", help="print a one-time link to choose a new password for an account"
    )
    reset.add_argument("email")
    _print_options(commands.add_parser("print", help="write a print-ready PDF of codes"))
    backup = commands.add_parser(
        "backup", help="write a backup of the database to a file (safe while Tellus runs)"
    )
    backup.add_argument("path", help="the backup file to write, e.g. tellus-2026-11-29.tellus")
    restore = commands.add_parser(
        "restore",
        help="restore a backup into TELLUS_DATABASE_URL (an SQLite backup also into PostgreSQL)",
    )
    restore.add_argument("path", help="the backup file")
    restore.add_argument(
        "--force", action="store_true", help="replace what the database holds (stop Tellus first)"
    )
    analytics = commands.add_parser("analytics", help="the analytics summaries")
    rebuild = analytics.add_subparsers(dest="action", required=True).add_parser(
        "rebuild", help="count the summaries again from the cards (earlier figures are kept)"
    )
    rebuild.add_argument("--organisation", help="one organisation's slug (default: all)")
    rebuild.add_argument(
        "--since", type=_date, help="from this UTC day on, YYYY-MM-DD (default: the oldest card)"
    )
    return parser


def _date(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)


def _print_options(parser: argparse.ArgumentParser) -> None:
    from qr.sheets import Layout, Paper  # light: the PDF library loads when a sheet is drawn

    parser.add_argument("--organisation", required=True, help="the organisation's slug")
    parser.add_argument("--layout", required=True, choices=[layout.value for layout in Layout])
    parser.add_argument("--paper", default="a4", choices=[paper.value for paper in Paper])
    parser.add_argument(
        "--location",
        action="append",
        default=[],
        help="only this location's codes (its id or name); repeat for more",
    )
    parser.add_argument(
        "--employee",
        action="append",
        default=[],
        help="only this employee's badges (their id or name); repeat for more",
    )
    parser.add_argument("--output", required=True, help="the PDF file to write")


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))


def served_settings(args: argparse.Namespace) -> Settings:
    """The settings `tellus serve` and `tellus demo` run the app with, in this process and in the
    uvicorn process(es), which read them from the environment."""
    settings = get_settings()
    served: dict[str, str] = {}
    if getattr(args, "no_worker", False):
        served["TELLUS_WORKER_IN_PROCESS"] = "false"
    if settings.environment == "development" and "base_url" not in settings.model_fields_set:
        # Nobody chose the public address: it is this server's, or every link and QR code
        # would send a phone to whatever else listens on the default port.
        served["TELLUS_BASE_URL"] = f"http://localhost:{args.port}"
    if served:
        os.environ.update(served)
        get_settings.cache_clear()
    return get_settings()


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.web.access_log import log_config

    settings = served_settings(args)
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        access_log=not getattr(args, "no_access_log", False),
        log_config=log_config(),
    )
    return 0


def open_session() -> "Session":
    """A session on TELLUS_DATABASE_URL, for the commands that read or write data."""
    from sqlmodel import Session

    from api.db import create_db_engine

    return Session(create_db_engine(get_settings().database_url))


def find_organisation(session: "Session", slug: str) -> "Organisation | None":
    from sqlmodel import select

    from api.models import Organisation

    return session.exec(select(Organisation).where(Organisation.slug == slug)).first()


def run_migrate(args: argparse.Namespace) -> int:
    from api.db import migrate

    migrate(get_settings().database_url)
    print("Database is up to date.")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from api.backup.service import backup_database

    manifest = backup_database(url=get_settings().database_url, path=Path(args.path))
    size = manifest.payload_bytes / 1_000_000
    print(
        f"Backup written to {args.path}: {manifest.engine}, schema {manifest.revision}, "
        f"{size:.1f} MB, at {manifest.created_at}. It holds secrets: keep it private."
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from api.backup.service import restore_database

    restored = restore_database(
        url=get_settings().database_url, path=Path(args.path), force=args.force
    )
    made = restored.manifest
    print(
        f"Restored the backup of {made.created_at} ({made.engine}, schema {made.revision}): "
        f"{restored.cards} cards."
    )
    if restored.migrated_to:
        print(f"Migrated to schema {restored.migrated_to}.")
    print("Checks passed.")
    return 0


def run_worker(args: argparse.Namespace) -> int:
    import signal

    from api.alerts.worker import Worker, default_channels
    from api.db import assert_migrated, create_db_engine

    settings = get_settings()
    engine = create_db_engine(settings.database_url)
    assert_migrated(engine)
    worker = Worker(engine=engine, settings=settings, channels=default_channels())
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: worker.stop(timeout=0))
    print("Tellus worker: delivering alerts (Ctrl-C to stop).", flush=True)
    worker.run_forever()
    engine.dispose()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from api.app_settings import load_secret_key
    from api.db import create_db_engine, migrate
    from api.kudos.screens import tv_path
    from api.setup.demo import (
        celebrate_service_week,
        create_demo,
        make_demo_screen,
        pass_on_sample,
        send_sample_cards,
    )
    from api.setup.kiosks import kiosk_url

    settings = served_settings(args)
    migrate(settings.database_url)
    engine = create_db_engine(settings.database_url)
    with Session(engine) as session:
        demo = create_demo(session=session)
    if demo.created:
        secret = load_secret_key(engine=engine, settings=settings)
        send_sample_cards(engine=engine, demo=demo, secret=secret)
        pass_on_sample(engine=engine, demo=demo, settings=settings, secret=secret)
        celebrate_service_week(
            engine=engine, demo=demo, secret=secret, today=datetime.now(UTC).date()
        )
    with Session(engine) as session:
        tv_token = make_demo_screen(session=session, demo=demo)
    engine.dispose()
    print(f"\nDemo organisation: {demo.organisation.name}")
    for code in demo.codes:
        print(f"  card for {code.label:<14} {settings.base_url}/c/{code.token}")
    print(f"  printable QR:     {settings.base_url}/qr/{demo.codes[0].token}.svg")
    print(f"  print sheets:     {settings.base_url}/admin/print (after signing in)")
    print(f"  kudos wall:       {settings.base_url}/kudos/{demo.organisation.slug}")
    print(f"  kudos TV screen:  {settings.base_url}{tv_path(tv_token)}")
    print(f"  counter kiosk:    {kiosk_url(settings.base_url, demo.kiosk_secret)}")
    print("                    (open it on a tablet; new at every `tellus demo`)")
    print(f"\nThe owner's account (inbox and set-up):  {settings.base_url}/login")
    print(f"  email:    {demo.email}")
    print(f"  password: {demo.password}   (new at every `tellus demo`)\n")
    print(f"  Customer Service Week: {settings.base_url}/inbox/service-week (leaderboard,")
    print("  certificates, poster); Maya's certificate is signed with her manager's quote.\n")
    print("In the inbox, Maya's compliment waits for Thank & pass on, and Sam's shared one for")
    print("approval for the kudos wall. Without a mail server nothing is emailed; to see the")
    print("emails, set TELLUS_SMTP_URL (see the README).")
    print("Maya (staff) reads the compliment already passed on to her at /staff: in the inbox,")
    print("Staff sign-in shows a QR code for her phone (or she asks for a link by email).\n")
    if args.no_serve:
        return 0
    return run_serve(args)


def run_create_owner(args: argparse.Namespace) -> int:
    from api.accounts.service import create_user
    from api.setup.organisations import add_owner, create_organisation

    password = os.environ.get("TELLUS_OWNER_PASSWORD") or getpass.getpass("Password: ")
    settings = get_settings()
    with open_session() as session:
        organisation = create_organisation(session=session, name=args.organisation)
        user = create_user(
            session=session, email=args.email, password=password, display_name=args.name
        )
        add_owner(session=session, organisation=organisation, user=user)
        session.commit()
        print(f"Created {organisation.name} ({organisation.slug}) with owner {user.email}.")
        print(f"Sign in at {settings.base_url}/login")
    return 0


def run_api_key(args: argparse.Namespace) -> int:
    from api.setup.api_keys.service import create_api_key

    with open_session() as session:
        organisation = find_organisation(session, args.organisation)
        if organisation is None:
            print(f"tellus: no organisation with slug {args.organisation!r}", file=sys.stderr)
            return 1
        key, _ = create_api_key(session=session, organisation=organisation, name=args.name)
    print(key)
    print("Keep it safe: it is shown only this once.", file=sys.stderr)
    return 0


def run_analytics(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from api.analytics.summaries import rebuild_summaries
    from api.models import Organisation

    with open_session() as session:
        statement = select(Organisation)
        if args.organisation:
            statement = statement.where(Organisation.slug == args.organisation)
        organisations = [(o.id, o.slug) for o in session.exec(statement).all()]
        if args.organisation and not organisations:
            print(f"tellus: no organisation with slug {args.organisation!r}", file=sys.stderr)
            return 1
        for organisation_id, slug in organisations:
            assert organisation_id is not None
            counted = rebuild_summaries(
                session=session, organisation_id=organisation_id, since=args.since
            )
            print(f"{slug}: {counted} cards counted")
    return 0


def run_reset_password(args: argparse.Namespace) -> int:
    from api.accounts.password_reset import RESET_LIFETIME, reset_link, start_password_reset

    settings = get_settings()
    with open_session() as session:
        link = start_password_reset(session=session, email=args.email)
    if link is None:
        print(f"tellus: no account with the email {args.email!r}", file=sys.stderr)
        return 1
    minutes = int(RESET_LIFETIME.total_seconds() // 60)
    print(reset_link(settings, link.token))
    print(
        f"Pass this link on to {link.email} only: it works once, for {minutes} minutes "
        "(until a newer link is made or the account signs in).",
        file=sys.stderr,
    )
    return 0


def run_print(args: argparse.Namespace) -> int:
    from api.models import Role
    from api.printing.schemas import SheetChoice
    from api.printing.service import prepare_sheet, target_ids
    from api.tenancy import Tenant
    from qr.layouts import PER_PAGE

    settings = get_settings()
    with open_session() as session:
        organisation = find_organisation(session, args.organisation)
        if organisation is None or organisation.id is None:
            print(f"tellus: no organisation with slug {args.organisation!r}", file=sys.stderr)
            return 1
        tenant = Tenant(organisation_id=organisation.id, role=Role.owner)
        location_ids, employee_ids = target_ids(
            session=session, tenant=tenant, locations=args.location, employees=args.employee
        )
        choice = SheetChoice(
            layout=args.layout,
            paper=args.paper,
            location_ids=location_ids,
            employee_ids=employee_ids,
        )
        order = prepare_sheet(
            session=session, tenant=tenant, choice=choice, base_url=settings.base_url
        )
    pdf = order.render()
    with open(args.output, "wb") as output:
        output.write(pdf)
    count = len(order.items)
    pages = -(-count // PER_PAGE[choice.layout])
    print(f"Wrote {count} codes on {pages} pages ({choice.paper.value}) to {args.output}.")
    return 0


COMMANDS = {
    "serve": run_serve,
    "migrate": run_migrate,
    "worker": run_worker,
    "demo": run_demo,
    "create-owner": run_create_owner,
    "api-key": run_api_key,
    "reset-password": run_reset_password,
    "print": run_print,
    "backup": run_backup,
    "restore": run_restore,
    "analytics": run_analytics,
}

if __name__ == "__main__":
    sys.exit(main())
