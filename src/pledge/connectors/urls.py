"""Connection URLs: resolve ``env:VAR``, anchor relative file paths, hide passwords
(:mod:`pledge.connectors.redaction`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pledge.connectors.base import ConnectionUnresolved, SystemUnavailable
from pledge.connectors.redaction import redact_url, scrub

#: Schemes whose URL names a local file or folder rather than a server.
FILE_SCHEMES = ("sqlite", "duckdb")


def scheme(url: str) -> str:
    """The URL's scheme, lower-cased: ``postgresql+psycopg://...`` → ``postgresql+psycopg``."""
    return url.split(":", 1)[0].lower() if ":" in url else ""


def resolve(system: str, connection: str, environ: Mapping[str, str], folder: Path) -> str:
    """The URL to connect to: ``env:VAR`` looked up, relative file paths made absolute.

    >>> resolve("crm", "sqlite:///crm.sqlite", {}, Path("/srv/estate"))
    'sqlite:////srv/estate/crm.sqlite'
    """
    url = connection
    if connection.startswith("env:"):
        variable = connection[4:]
        url = environ.get(variable, "").strip()
        if not url:
            raise ConnectionUnresolved(
                system,
                f"system '{system}' connects through environment variable {variable}, "
                "which is not set; set it to the system's URL",
            )
    kind = scheme(url)
    if kind in FILE_SCHEMES:
        prefix = f"{url[: len(kind)]}:///"
        if not url.startswith(prefix):
            raise ConnectionUnresolved(
                system,
                f"system '{system}': write {kind} connections as {kind}:///relative/path "
                f"or {kind}:////absolute/path",
            )
        path = url[len(prefix) :]
        if path != ":memory:":
            # Relative paths belong to the declaration, not to wherever the command runs.
            path = str((folder / path).resolve())
        return f"{kind}:///{path}"
    return url


@dataclass(frozen=True)
class Server:
    """The parts of a server URL a driver wants as keywords."""

    host: str
    port: int | None
    user: str | None
    password: str | None
    database: str | None
    query: dict[str, str]


def parse_server(system: str, url: str) -> Server:
    """Split ``scheme://user:pw@host:port/db?k=v``; a clear error when it is malformed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConnectionUnresolved(
            system, f"system '{system}': the connection URL {hide_password(url)} is malformed"
        ) from exc
    query = dict(
        (unquote(k), unquote(v))
        for k, _, v in (p.partition("=") for p in parts.query.split("&"))
        if k
    )
    return Server(
        host=parts.hostname or "localhost",
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=unquote(parts.path.lstrip("/")) or None,
        query=query,
    )


def hide_password(url: str) -> str:
    """The URL with its password replaced by ``***``, even when the URL is malformed.

    >>> hide_password("postgresql://app:s3cret@db:5432/crm")
    'postgresql://app:***@db:5432/crm'
    """
    return redact_url(url)


def unavailable(system: str, url: str, exc: Exception) -> SystemUnavailable:
    """The error for a server that did not answer or refused us: system and host, no secret."""
    try:
        parts = urlsplit(url)
        where = f"{parts.hostname or 'localhost'}" + (f":{parts.port}" if parts.port else "")
        password = unquote(parts.password) if parts.password else None
    except ValueError:
        where, password = "its host", None
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if password:
        detail = detail.replace(password, "***")
    # The password as a malformed URL holds it, which urlsplit may not see.
    detail = scrub(detail, url)
    return SystemUnavailable(
        system, f"system '{system}' cannot be reached at {where} ({hide_password(url)}): {detail}"
    )
