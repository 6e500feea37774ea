"""A database password never reaches a message, the request register or the audit log, even
when the URL around it is malformed (before, a "/" in the password or a typo in the scheme
put the whole URL into all three)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pledge.cli import main
from tests.dsr.declarations import ACCESS_YAML
from tests.dsr.estate import build
from tests.fixtures.keys import TEST_HASH_KEY

SECRET = "Tr0ub4dor"
#: Each fails before a row is read; port 1 refuses at once.
URLS = [
    f"postgresql://app:pa/{SECRET}@127.0.0.1:1/db",  # "/" in the password
    f"postgresql://app:x@{SECRET}@127.0.0.1:1/db",  # "@" in the password
    f"postgresq://app:{SECRET}@127.0.0.1:1/db",  # typo in the scheme
    f"postgresql:/app:{SECRET}@127.0.0.1:1/db",  # one slash
    f"postgresql//app:{SECRET}@127.0.0.1:1/db",  # no colon
    f"postgresql://app:{SECRET}@127.0.0.1:99999/db",  # port out of range
    f"postgresql://app:{SECRET}@[::1/db",  # unclosed IPv6 bracket
    f"mysql://app@127.0.0.1:1/db?password={SECRET}",  # password as a parameter
]


@pytest.mark.parametrize("url", URLS)
def test_a_malformed_url_never_shows_its_password(tmp_path: Path, url: str) -> None:
    (tmp_path / "pledge.yaml").write_text(ACCESS_YAML)
    store = tmp_path / "store.sqlite"
    env = {
        **build(tmp_path),
        "NETWORK_URL": url,
        "PLEDGE_CONFIG": str(tmp_path / "pledge.yaml"),
        "PLEDGE_DATABASE_URL": f"sqlite:///{store}",
        "PLEDGE_ACTOR": "dpo@northwold.example",
        "PLEDGE_HASH_KEY": TEST_HASH_KEY,
    }
    cli = CliRunner(env=env)
    assert cli.invoke(main, ["db", "upgrade"]).exit_code == 0
    outputs = []
    for command in (
        ["access", "--email", "ada@example.org", "--out", str(tmp_path)],
        ["request", "show", "1"],
        ["request", "new", "--type", "erasure", "--email", "ada@example.org"],
        ["request", "verify", "2", "--how", "passport seen by the DPO"],
        ["request", "run", "2"],
        ["request", "show", "2"],
        ["plan", "--email", "ada@example.org"],
        ["erase", "--email", "ada@example.org", "--yes"],
    ):
        result = cli.invoke(main, command)
        outputs.append(result.output + (repr(result.exception) if result.exception else ""))
    assert "request 1 failed: system 'network'" in outputs[0], outputs[0]
    assert "request 2 failed: system 'network'" in outputs[4], outputs[4]
    for output in outputs:
        assert SECRET not in output, output
    with sqlite3.connect(store) as connection:
        dumped = "\n".join(connection.iterdump())
        messages = [m for (m,) in connection.execute("SELECT message FROM data_subject_request")]
        audited = connection.execute("SELECT count(*) FROM audit_event").fetchone()
    assert any(m and "system 'network'" in m for m in messages)  # the failure was stored
    assert audited is not None and audited[0] > 0
    assert SECRET not in dumped


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://app:x@{SECRET}@127.0.0.1:1/db",
        f"postgresql:/app:{SECRET}@127.0.0.1:1/db",
    ],
)
def test_the_stores_own_url_is_redacted_too(tmp_path: Path, url: str) -> None:
    result = CliRunner(env={"PLEDGE_DATABASE_URL": url}).invoke(main, ["requests"])
    assert result.exit_code != 0
    assert SECRET not in result.output
