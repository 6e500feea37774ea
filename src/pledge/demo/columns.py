"""Helpers to define the demo's tables together with what the declaration says about them.

Each column carries its declaration entry in ``Column.info`` (categories, identity,
references, erase strategy) and its description as the database comment, so the tables and
the generated ``pledge.yaml`` come from one source and cannot drift apart.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pledge.declaration.model import IdentityKind, Reach

#: Surrogate keys: BIGINT on servers, INTEGER on SQLite so the key is the rowid (fast loads).
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime()
Day = sa.Date()
Flag = sa.Boolean()
Number = sa.Integer()
Big = sa.BigInteger()

NAME, FIRST, LAST = ("user.name",), ("user.name.first",), ("user.name.last",)
EMAIL, PHONE = ("user.contact.email",), ("user.contact.phone_number",)
STREET, TOWN = ("user.contact.address.street",), ("user.contact.address.city",)
POSTCODE = ("user.contact.address.postal_code",)
CDR, TRAFFIC = ("telecom.call_detail_record",), ("telecom.traffic_data",)
CARD, BANK = ("user.financial.credit_card",), ("user.financial.bank_account",)
LISTING, CREDIT = ("telecom.directory_listing",), ("telecom.credit_reference",)
MONEY, IP = ("user.financial",), ("user.device.ip_address",)


def text(size: int) -> sa.String:
    """A VARCHAR: MariaDB needs a length, and lengths document the shapes."""
    return sa.String(size)


def col(
    name: str,
    kind: sa.types.TypeEngine[Any],
    about: str | None = None,
    *,
    key: bool = False,
    ref: str | None = None,
    reach: Reach | None = None,
    identity: str | None = None,
    mention: IdentityKind | None = None,
    cats: tuple[str, ...] = (),
    erase: str | None = None,
    index: bool = False,
    required: bool = False,
    files: str | None = None,
) -> sa.Column[Any]:
    """A column and its declaration entry; references, identities and ``index`` get an index
    (created after loading, see ``load.py``), and so do mentions: erasing the person a
    mention names searches every row that mentions them.

    ``reach`` says how a request crosses ``ref`` (belongs-to, owns, context); ``mention``
    says the column holds another party's identity of that kind, never used to find rows
    (README "Whose rows are these")."""
    info: dict[str, Any] = {"categories": list(cats)}
    if identity:
        info["identity"] = identity
    if mention:
        info["mention"] = mention
    if ref:
        info["references"] = ref
    if reach:
        info["reach"] = reach
    if erase:
        info["erase"] = erase
    if files:
        info["file_root"] = files  # the column names a file under this folder
    lookup = not key and (index or ref is not None or identity is not None or mention is not None)
    return sa.Column(
        name,
        kind,
        primary_key=key,
        autoincrement=False,
        nullable=not (key or required),
        index=lookup or None,
        comment=about,
        info=info,
    )


def table(
    metadata: sa.MetaData,
    name: str,
    about: str,
    *columns: sa.Column[Any],
    erase: str = "delete",
    restriction: str | None = None,
) -> sa.Table:
    """A table; ``erase`` is the dataset's erase mode (delete rows, or update fields)."""
    info: dict[str, Any] = {"erase": erase, "restriction_column": restriction}
    made = sa.Table(name, metadata, *columns, comment=about, info=info)
    for column in columns:
        if "email" in (column.info.get("identity"), column.info.get("mention")):
            # Requests compare emails by pledge.connectors.sql.fold, on an expression a plain
            # index cannot serve; load.py indexes that expression instead (none on MariaDB,
            # which has no expression indexes).
            index = f"ix_{name}_{column.name}_lower"
            sa.Index(index, sa.func.lower(column), info={"fold": [column.name]})
    return made
