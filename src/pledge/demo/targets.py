"""Where each system of the estate goes: SQLite files by default, or PostgreSQL and MariaDB."""

from __future__ import annotations

from dataclasses import dataclass

from pledge.demo import declaration
from pledge.demo.schema import SYSTEMS

#: With both servers, these go to MariaDB and the rest to PostgreSQL, so requests cross
#: engines (a contact-centre recording points at a CRM customer and an HR employee).
MARIADB_SYSTEMS = ("contact_centre", "marketing", "hr")
#: The declaration names servers through these variables, so no password lands in the file.
ENV = {"postgres": "NORTHWOLD_POSTGRES_URL", "mariadb": "NORTHWOLD_MARIADB_URL"}


@dataclass(frozen=True)
class Targets:
    """The servers to use; systems without one go into SQLite files."""

    postgres: str | None = None
    mariadb: str | None = None

    def engine_of(self, system: str) -> str | None:
        """ "postgres", "mariadb" or None (SQLite) for a system."""
        if self.postgres and self.mariadb:
            return "mariadb" if system in MARIADB_SYSTEMS else "postgres"
        return "postgres" if self.postgres else ("mariadb" if self.mariadb else None)

    def url(self, engine: str) -> str:
        value = self.postgres if engine == "postgres" else self.mariadb
        assert value is not None
        return value

    def connections(self) -> dict[str, str]:
        """What the declaration says for each system's connection."""
        out = declaration.sqlite_connections()
        for system in SYSTEMS:
            engine = self.engine_of(system)
            if engine is not None:
                out[system] = f"env:{ENV[engine]}"
        return out
