"""``pledge request access|erase|rectify|restrict|object`` and ``pledge requests``.

One command per request type logs the request in the register, with what it asks beyond
who (the corrected values, what is objected to); ``pledge request run`` carries it out.
``pledge requests`` lists the open ones, overdue first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click

from pledge.cli import App, pass_app
from pledge.declaration import Loaded
from pledge.declaration.model import RequestType
from pledge.dsr import request_store as requests
from pledge.dsr.cli import DAY, actor, day_or_today, identities_given, request, store
from pledge.dsr.options import changes_option
from pledge.dsr.plan_cli import identity_options
from pledge.dsr.rectify import RectificationRefused, check_field
from pledge.dsr.request_show import table

Details = Callable[[Loaded, dict[str, Any]], dict[str, Any]]


def log(app: App, kind: RequestType, kw: dict[str, Any], details: Details | None = None) -> None:
    """Log a request of ``kind`` from the shared options; say what to do next."""
    given = {k: kw.pop(k) for k in ("email", "phone", "customer_id", "account_number")}
    identities = identities_given(given, kw.pop("others"))
    loaded = app.load()
    extra = details(loaded, kw) if details is not None else None
    with store(app) as engine:
        view = requests.open_request(
            engine,
            kind=kind,
            identities=identities,
            rights=loaded.declaration.rights,
            received_on=day_or_today(kw.get("received")),
            actor=actor(),
            details=extra,
        )
    click.echo(f"request {view.id} logged: {view.kind}, {view.state.label}")
    checks = loaded.declaration.rights.verification.get(kind, "none")
    if "email-code" in checks.split("+"):
        click.echo(f"confirm identity ({checks}): pledge request challenge {view.id}, then")
        click.echo(f"  pledge request verify {view.id} --code CODE")
    elif view.due is None:
        click.echo(
            f"confirm identity ({checks}), then: pledge request verify {view.id} "
            '--how "what was checked, by whom"'
        )
    click.echo(f"carry it out with: pledge request run {view.id}")


def _rectify_details(loaded: Loaded, kw: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, str] = {}
    for text in kw.pop("changes"):
        name, sep, value = text.partition("=")
        if not sep:
            raise click.UsageError(f"--set takes SYSTEM.DATASET.FIELD=VALUE, not '{text}'")
        try:
            check_field(loaded, name.strip())
        except RectificationRefused as exc:
            raise click.UsageError(str(exc)) from None
        changes[name.strip()] = value
    return {"changes": changes}


def _object_details(loaded: Loaded, kw: dict[str, Any]) -> dict[str, Any]:
    to, purpose = kw.pop("to"), kw.pop("purpose")
    purposes = loaded.declaration.purposes
    if to == "processing" and purpose is None:
        raise click.UsageError("an objection to processing names the purpose: --purpose P")
    if purpose is not None and purpose not in purposes:
        known = ", ".join(purposes) or "none declared"
        raise click.UsageError(f"'{purpose}' is not a declared purpose (purposes: {known})")
    out: dict[str, Any] = {"to": to, "purpose": purpose}
    if channels := kw.pop("channels"):
        out["channels"] = list(channels)
    if grounds := kw.pop("grounds"):
        out["grounds"] = grounds
    return out


RECEIVED = click.option("--received", type=DAY, help="Day it arrived (default: today).")


@request.command("access")
@identity_options
@RECEIVED
@pass_app
def access_request(app: App, /, **kw: Any) -> None:
    """Log an access request: a copy of the person's data and the Article 15 facts."""
    log(app, "access", kw)


@request.command("erase")
@identity_options
@RECEIVED
@pass_app
def erase_request(app: App, /, **kw: Any) -> None:
    """Log an erasure request (exemptions are applied when it runs)."""
    log(app, "erasure", kw)


@request.command("restrict")
@identity_options
@RECEIVED
@pass_app
def restrict_request(app: App, /, **kw: Any) -> None:
    """Log a request to restrict processing of the person's data."""
    log(app, "restriction", kw)


@request.command("rectify")
@identity_options
@changes_option
@RECEIVED
@pass_app
def rectify_request(app: App, /, **kw: Any) -> None:
    """Log a rectification request with the corrected values (checked when it runs)."""
    log(app, "rectification", kw, _rectify_details)


@request.command("object")
@identity_options
@click.option("--to", type=click.Choice(["direct-marketing", "processing"]), required=True)
@click.option("--purpose", help="The declared purpose objected to (for --to processing).")
@click.option("--channel", "channels", multiple=True, help="Marketing channel; default all.")
@click.option("--grounds", help="The person's reasons, in their words.")
@RECEIVED
@pass_app
def object_request(app: App, /, **kw: Any) -> None:
    """Log an objection: to direct marketing, or to a purpose (the DPO decides)."""
    log(app, "objection", kw, _object_details)


@click.command("requests")
@pass_app
def open_requests(app: App) -> None:
    """Open requests with their due dates, overdue first, then the soonest due."""
    today = date.today()
    with store(app) as engine:
        views = requests.find(engine, open_only=True)
    views.sort(key=lambda v: not v.overdue(today))  # stable: due order kept within each
    late = sum(v.overdue(today) for v in views)
    for line in table(views, today):
        click.echo(line)
    if views:
        click.echo(f"{len(views)} open request(s), {late} overdue")


def new_commands(group: click.Group) -> None:
    """Add ``pledge requests``; the type commands joined ``pledge request`` on import."""
    group.add_command(open_requests)
