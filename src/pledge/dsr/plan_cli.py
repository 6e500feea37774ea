"""``pledge plan``: show, without touching any system, what a request would read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pledge.cli import App, pass_app
from pledge.subjects.explain import describe
from pledge.subjects.identity import KINDS, Identity, IdentityInvalid, parse
from pledge.subjects.plan import make_plan
from pledge.subjects.reach import Choices

F = TypeVar("F", bound=Callable[..., Any])

#: The identity options every request command shares: option name → identity kind.
IDENTITY_OPTIONS = {
    "email": "email",
    "phone": "phone",
    "customer_id": "customer_id",
    "account_number": "account_number",
}


def identity_options(command: F) -> F:
    """Add --email, --phone, --customer-id, --account-number and --identity KIND=VALUE."""
    decorators = [
        click.option("--email", multiple=True, help="Email address (any case)."),
        click.option("--phone", multiple=True, help="Phone number; UK unless it starts with +."),
        click.option("--customer-id", multiple=True, help="Customer id as the CRM issued it."),
        click.option("--account-number", multiple=True, help="Account number."),
        click.option(
            "--identity",
            "others",
            multiple=True,
            metavar="KIND=VALUE",
            help=f"Any other identity kind ({', '.join(KINDS)}).",
        ),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def choice_options(command: F) -> F:
    """Add --same-person and --ignore-value: an operator's choice about a shared value."""
    decorators = [
        click.option(
            "--same-person",
            "same_person",
            multiple=True,
            metavar="KIND:VALUE",
            help="A shared identity value whose records are all this person's (recorded).",
        ),
        click.option(
            "--ignore-value",
            "ignore_value",
            multiple=True,
            metavar="KIND:VALUE",
            help="An identity value that is not this person's: it finds nothing (recorded).",
        ),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def choices_from(kwargs: dict[str, Any]) -> Choices:
    """The choices given by :func:`choice_options` (taken out of ``kwargs``)."""

    def read(texts: tuple[str, ...], flag: str) -> frozenset[Identity]:
        out: set[Identity] = set()
        for text in texts:
            kind, sep, value = text.partition(":")
            if not sep:
                raise click.UsageError(f"{flag} takes KIND:VALUE, not '{text}'")
            try:
                out.update(parse([(kind.strip(), value)]))
            except IdentityInvalid as exc:
                raise click.UsageError(f"{flag} {text}: {exc}") from None
        return frozenset(out)

    return Choices(
        ignore=read(kwargs.pop("ignore_value", ()), "--ignore-value"),
        same_person=read(kwargs.pop("same_person", ()), "--same-person"),
    )


def identity_pairs(
    given: dict[str, tuple[str, ...]], others: tuple[str, ...]
) -> list[tuple[str, str]]:
    """The (kind, value) pairs from the identity options; a usage error when there are none."""
    pairs = [(IDENTITY_OPTIONS[o], v) for o, values in given.items() for v in values]
    for text in others:
        kind, sep, value = text.partition("=")
        if not sep:
            raise click.UsageError(f"--identity takes KIND=VALUE, not '{text}'")
        pairs.append((kind.strip(), value))
    if not pairs:
        raise click.UsageError(
            "say who the request is about: --email, --phone, --customer-id, --account-number "
            "or --identity KIND=VALUE"
        )
    return pairs


@click.command("plan")
@identity_options
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def plan(
    app: App,
    file: Path | None,
    email: tuple[str, ...],
    phone: tuple[str, ...],
    customer_id: tuple[str, ...],
    account_number: tuple[str, ...],
    others: tuple[str, ...],
) -> None:
    """Show the reads a request for these identities would make, in order, and what no
    identity or reference reaches. Connects to nothing."""
    pairs = identity_pairs(
        {
            "email": email,
            "phone": phone,
            "customer_id": customer_id,
            "account_number": account_number,
        },
        others,
    )
    try:
        identities = parse(pairs)
    except IdentityInvalid as exc:
        raise click.UsageError(str(exc)) from None
    loaded = app.load(file)
    for line in describe(make_plan(loaded.declaration, identities)):
        click.echo(line)


def register(group: click.Group) -> None:
    """Add ``pledge plan`` to the ``pledge`` command."""
    group.add_command(plan)
