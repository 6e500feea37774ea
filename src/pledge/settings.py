"""Pledge's settings: one typed object, built once at the edge and passed down.

Nothing in the package reads the environment at import time; the CLI (or a test,
or the API's app factory) calls :meth:`Settings.from_env` and hands the result on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from pledge.keys import MAKE_A_KEY, MIN_KEY_HEX, weakness

DEFAULT_DATABASE_FILE = ".pledge/pledge.sqlite"
DECLARATION_FILE = "pledge.yaml"
#: Settings read from ``PLEDGE_<NAME>`` as they are (PLEDGE_SMTP_HOST, PLEDGE_CODE_MINUTES...).
_FROM_ENV: dict[str, type] = {
    "smtp_host": str,
    "smtp_port": int,
    "smtp_from": str,
    "smtp_tls": str,
    "smtp_user": str,
    "smtp_password": str,
    "code_minutes": int,
    "code_attempts": int,
    "screen_cache": Path,
}


class SettingsInvalid(ValueError):
    """A setting Pledge cannot run with; the message names the setting and what to do."""


@dataclass(frozen=True)
class Settings:
    """Everything Pledge needs to know about where it runs.

    >>> Settings(database_url="sqlite:///:memory:").database_url
    'sqlite:///:memory:'
    """

    #: Pledge's own store (SQLAlchemy URL). SQLite file by default, PostgreSQL in production.
    database_url: str = f"sqlite:///{DEFAULT_DATABASE_FILE}"
    #: The declaration file; None means "find pledge.yaml from the working folder upwards".
    declaration_path: Path | None = None
    #: Secret used for keyed hashes (erasure ledger, suppression list); never logged.
    hash_key: str | None = field(default=None, repr=False)
    #: Environment used to resolve ``env:VAR`` connections in the declaration.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: Outgoing mail (identity codes): server, port, sender, and "off", "starttls" or "tls".
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_tls: str = "off"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    #: How long an emailed code works, and how many wrong answers lock the check.
    code_minutes: int = 15
    code_attempts: int = 5
    #: The screening cache (a DuckDB file of the store's consent, suppression and register
    #: facts); None means .pledge/screening.duckdb beside the declaration.
    screen_cache: Path | None = None

    def __post_init__(self) -> None:
        # Refused wherever settings are made (command line, API, a test), not where the key
        # is first used: by then a weak key may already have hashed someone.
        if self.hash_key is not None and (why := weakness(self.hash_key)):
            raise SettingsInvalid(
                f"PLEDGE_HASH_KEY {why}: it must be {MIN_KEY_HEX} or more hexadecimal "
                f"characters (32 random bytes). Make one with `{MAKE_A_KEY}`, and keep it: "
                "hashes made with one key never match hashes made with another"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from environment variables (``PLEDGE_*``), then apply overrides."""
        env = dict(os.environ if environ is None else environ)
        base = cls(environ=env)
        values: dict[str, object] = {}
        if url := env.get("PLEDGE_DATABASE_URL"):
            values["database_url"] = url
        if path := env.get("PLEDGE_CONFIG"):
            values["declaration_path"] = Path(path)
        if key := env.get("PLEDGE_HASH_KEY"):
            values["hash_key"] = key
        for name, kind in _FROM_ENV.items():
            if raw := env.get(f"PLEDGE_{name.upper()}"):
                try:
                    values[name] = kind(raw)
                except ValueError:
                    raise SettingsInvalid(
                        f"PLEDGE_{name.upper()} must be a number, not {raw!r}"
                    ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(base, **values)  # type: ignore[arg-type]

    def find_declaration(self, start: Path | None = None) -> Path | None:
        """The declaration to use: the configured one, else pledge.yaml here or in a parent."""
        if self.declaration_path is not None:
            return self.declaration_path
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            candidate = folder / DECLARATION_FILE
            if candidate.is_file():
                return candidate
        return None
