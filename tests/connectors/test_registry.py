"""Opening a declared system: env: variables, relative paths, missing drivers, servers down.
Every error names the system and never shows a password."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from pledge.connectors import (
    ConnectionUnresolved,
    DriverMissing,
    SystemUnavailable,
    connect,
)
from pledge.connectors.registry import KINDS
from pledge.connectors.urls import hide_password, resolve
from pledge.declaration.model import System


def system(connection: str) -> System:
    return System(connection=connection, datasets={})


def test_env_connection_is_read_from_the_settings_environment(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "crm.sqlite").close()
    environ = {"CRM_URL": "sqlite:///crm.sqlite"}
    connector = connect("crm", system("env:CRM_URL"), environ=environ, folder=tmp_path)
    assert connector.columns("customer") == {}
    connector.close()


def test_unset_variable_names_system_and_variable(tmp_path: Path) -> None:
    with pytest.raises(
        ConnectionUnresolved, match=r"system 'crm' .* variable CRM_URL, which is not set"
    ):
        connect("crm", system("env:CRM_URL"), environ={}, folder=tmp_path)


def test_relative_file_paths_belong_to_the_declaration_folder(tmp_path: Path) -> None:
    assert (
        resolve("crm", "sqlite:///db/crm.sqlite", {}, tmp_path)
        == f"sqlite:///{tmp_path}/db/crm.sqlite"
    )
    assert resolve("crm", "sqlite:////abs/crm.sqlite", {}, tmp_path) == "sqlite:////abs/crm.sqlite"
    assert resolve("net", "duckdb:///exports", {}, tmp_path) == f"duckdb:///{tmp_path}/exports"
    assert resolve("crm", "postgresql://h/db", {}, tmp_path) == "postgresql://h/db"


def test_malformed_file_url_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ConnectionUnresolved, match="sqlite:///relative/path"):
        resolve("crm", "sqlite:crm.sqlite", {}, tmp_path)


def test_missing_sqlite_file_is_not_silently_created(tmp_path: Path) -> None:
    with pytest.raises(
        SystemUnavailable, match=r"system 'crm': the SQLite file .*crm.sqlite does not exist"
    ):
        connect("crm", system("sqlite:///crm.sqlite"), environ={}, folder=tmp_path)
    assert not (tmp_path / "crm.sqlite").exists()


def test_unknown_scheme_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(
        ConnectionUnresolved, match=r"mongodb://x.* is not a URL Pledge can connect to"
    ):
        connect("crm", system("env:URL"), environ={"URL": "mongodb://x"}, folder=tmp_path)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("postgresql://pledge:s3cret-pw@127.0.0.1:1/crm", "127.0.0.1:1"),
        ("mysql://pledge:s3cret-pw@127.0.0.1:1/crm", "127.0.0.1:1"),
    ],
)
def test_server_down_names_system_and_host_and_hides_password(
    url: str, host: str, tmp_path: Path
) -> None:
    with pytest.raises(SystemUnavailable) as caught:
        connect("billing", system("env:URL"), environ={"URL": url}, folder=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"system 'billing' cannot be reached at {host}")
    assert "s3cret-pw" not in message
    assert "pledge:***@" in message
    assert caught.value.system == "billing"


@pytest.mark.parametrize(
    ("scheme", "module", "driver", "extra"),
    [
        ("postgresql", "pledge.connectors.postgres", "psycopg", "postgres"),
        ("mariadb", "pledge.connectors.mysql", "pymysql", "mysql"),
    ],
)
def test_missing_driver_says_what_to_install(
    scheme: str,
    module: str,
    driver: str,
    extra: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setitem(sys.modules, driver, None)  # import now fails as if not installed
    with pytest.raises(DriverMissing) as caught:
        connect("crm", system(f"{scheme}://h/db"), environ={}, folder=tmp_path)
    kind = KINDS[scheme].name
    assert str(caught.value) == (
        f"system 'crm' uses {kind} but {driver} is not installed: pip install 'pledge[{extra}]'"
    )


def test_hide_password() -> None:
    assert hide_password("mysql://u:p%40ss@h:3306/d") == "mysql://u:***@h:3306/d"
    assert hide_password("postgresql://u@h/d") == "postgresql://u@h/d"


def test_connectors_meet_the_protocol(tmp_path: Path) -> None:
    from pledge.connectors import Connector

    sqlite3.connect(tmp_path / "x.sqlite").close()
    connector = connect("x", system("sqlite:///x.sqlite"), environ={}, folder=tmp_path)
    assert isinstance(connector, Connector)
    connector.close()
