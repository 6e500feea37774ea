"""The server fixtures hand out real, separate databases."""

from __future__ import annotations

import sqlalchemy as sa


def test_postgres_database_is_real_and_separate(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (x int)"))
        connection.execute(sa.text("INSERT INTO t VALUES (1)"))
        assert connection.execute(sa.text("SELECT count(*) FROM t")).scalar_one() == 1
        name = connection.execute(sa.text("SELECT current_database()")).scalar_one()
    engine.dispose()
    assert name.startswith("pledge_test_")


def test_mariadb_database_is_fresh(mariadb_url: str) -> None:
    engine = sa.create_engine(mariadb_url)
    with engine.connect() as connection:
        tables = connection.execute(sa.text("SHOW TABLES")).all()
    engine.dispose()
    assert tables == []
