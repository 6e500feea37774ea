"""The access package: a zip with ``data.json``, one CSV per dataset and ``report.html``,
written as rows stream in, optionally encrypted with a passphrase.

Memory stays bounded whatever the person's data weighs: each batch of rows goes straight into
its CSV member and into a spooled temporary file that becomes its part of ``data.json``; only
the first rows of each dataset are kept, for the report. Files the rows name (fields with
``file_root``) are copied in under ``files/<system>/<dataset>/`` and listed in ``data.json``,
a missing one as missing. The zip is written beside its final
name and renamed into place at the end, so a failed run never leaves a half package.

Encryption is AES-256 zip (WinZip AE-2) through ``pyzipper`` (the ``pledge[encryption]`` extra):
the person opens it with 7-Zip, WinZip or Keka and the passphrase, with nothing of Pledge's.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any

from pledge import files as stored_files
from pledge import outputs
from pledge.dsr.report import PackagedFile, Preview

#: Rows of each dataset shown in report.html; all rows are in data.json and the CSVs.
PREVIEW_ROWS = 100
#: Bytes of a dataset's JSON kept in memory before it spills to a temporary file.
SPOOL_BYTES = 1 << 20


class EncryptionUnavailable(RuntimeError):
    """A passphrase was given but the encryption extra is not installed."""


def plain(value: Any) -> Any:
    """A value as JSON can carry it: dates as ISO 8601, decimals as exact text, bytes as base64.

    >>> plain(date(2026, 1, 31)), plain(b"\\x00\\xff")
    ('2026-01-31', 'AP8=')
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)  # Decimal, UUID, and whatever else a driver hands back, exactly as text


_SIMPLE = frozenset({str, int, float, bool, type(None)})
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=plain)


def _cell(value: Any) -> Any:
    # Most values are already plain; checking the exact type first keeps the hot loop short.
    return value if type(value) in _SIMPLE else plain(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class PackageWriter:
    """Stream a person's rows into an access package at ``path``.

    >>> with PackageWriter(Path("access-42.zip")) as package:  # doctest: +SKIP
    ...     package.add("crm.customer", batches)
    ...     package.finish({"request": "42"}, lambda previews: "<html>...</html>")
    """

    def __init__(
        self,
        path: Path,
        *,
        passphrase: str | None = None,
        preview_rows: int = PREVIEW_ROWS,
        files: Mapping[str, Mapping[str, Path]] | None = None,
    ) -> None:
        self.path = path
        #: "system.dataset" to its file fields and their resolved roots.
        self._roots = dict(files or {})
        #: Every file the rows named, in the order met, and what became of it.
        self.files: list[PackagedFile] = []
        #: Each file member written and the file it holds.
        self._members: dict[str, Path] = {}
        self._partial = path.with_name(path.name + ".part")
        self._preview_rows = preview_rows
        self._json: dict[str, IO[bytes]] = {}
        self.previews: dict[str, Preview] = {}
        self.counts: dict[str, int] = {}
        opener = _zip_opener(passphrase)  # fails before any file is made
        # The package holds personal data: readable by its owner only, from the first byte.
        descriptor = os.open(self._partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = os.fdopen(descriptor, "wb")
        self._zip = opener(self._file)

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if not self._file.closed:
            self.abort()

    def add(self, dotted: str, batches: Iterable[Sequence[Mapping[str, Any]]]) -> int:
        """Write one dataset's rows ("system.dataset"), batch by batch; returns the row count."""
        if dotted in self.counts:
            raise ValueError(f"{dotted} was already written to this package")
        # Closed in finish() or abort(): it outlives this call until data.json is written.
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self._json[dotted] = spool
        columns: list[str] = []
        shown: list[list[str]] = []
        total = 0
        text: io.TextIOWrapper | None = None
        roots = self._roots.get(dotted, {})
        named: dict[tuple[str, str], None] = {}
        try:
            for batch in batches:
                if not batch:
                    continue
                if text is None:
                    columns = list(batch[0])
                    name = outputs.member_name(f"{dotted}.csv")
                    member = self._zip.open(name, "w", force_zip64=True)
                    text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                    writer = csv.writer(text)
                    writer.writerow(columns)
                cells = [[_cell(row.get(c)) for c in columns] for row in batch]
                # The CSV is for spreadsheets: its text cells may not start a formula.
                writer.writerows(outputs.cells(row) for row in cells)
                room = self._preview_rows - len(shown)
                if room > 0:
                    shown.extend([_text(v) for v in row] for row in cells[:room])
                # One JSON object per line; the C encoder calls plain() only for odd types.
                lines = [_ENCODER.encode(dict(zip(columns, row, strict=True))) for row in cells]
                spool.write((",\n" if total else "\n").encode())
                spool.write(",\n".join(lines).encode("utf-8"))
                total += len(batch)
                for name in roots:
                    named.update(((name, str(r[name])), None) for r in batch if r.get(name))
        finally:
            if text is not None:
                text.close()  # closes the zip member too
        # After the CSV member is closed: a zip writes one member at a time.
        for name, stored in named:
            self.files.append(self._attach(dotted, name, stored, roots[name], len(roots) > 1))
        self.counts[dotted] = total
        csv_name = outputs.member_name(f"{dotted}.csv") if total else None
        self.previews[dotted] = Preview(columns, shown, total, csv_name)
        return total

    def _attach(
        self, dotted: str, name: str, stored: str, root: Path, by_field: bool
    ) -> PackagedFile:
        """Copy one named file into the package, or say why it is not there."""
        try:
            path = stored_files.inside(root, stored)
        except stored_files.OutsideRoot:
            return PackagedFile(dotted, name, stored, "outside-root")
        system, _, dataset = dotted.partition(".")
        # Names from the data and the disk: each part made one harmless path component.
        folder = ("files", system, dataset, *((name,) if by_field else ()))
        member = outputs.member_name(*folder, *path.relative_to(root).parts)
        taken = self._members.get(member)
        if taken == path:
            return PackagedFile(dotted, name, stored, "included", member)
        if taken is not None:
            # Two files whose names only differ in characters that were replaced.
            first, count = PurePosixPath(member), 2
            while (member := str(first.with_stem(f"{first.stem}~{count}"))) in self._members:
                count += 1
        try:
            source = path.open("rb")
        except FileNotFoundError:
            return PackagedFile(dotted, name, stored, "missing")
        with source, self._zip.open(member, "w", force_zip64=True) as target:
            shutil.copyfileobj(source, target)
        self._members[member] = path
        return PackagedFile(dotted, name, stored, "included", member)

    def finish(
        self, header: Mapping[str, Any], report: Callable[[Mapping[str, Preview]], str]
    ) -> Path:
        """Write data.json and report.html, close the zip and move it to its final name."""
        if self._roots:
            listed = [
                {"dataset": f.dataset, "field": f.field, "stored": f.stored, "status": f.status}
                | ({"in_package": f.member} if f.member else {})
                for f in self.files
            ]
            header = {**header, "files": listed}
        with self._zip.open("data.json", "w", force_zip64=True) as member:
            self._write_json(member, header)
        self._zip.writestr("report.html", report(self.previews).encode("utf-8"))
        self._zip.close()
        self._file.close()
        os.replace(self._partial, self.path)
        return self.path

    def abort(self) -> None:
        """Throw the partial package away."""
        for spool in self._json.values():
            spool.close()
        # The zip may be mid-member and refuse to close cleanly; it is being deleted anyway.
        with contextlib.suppress(Exception):
            self._zip.close()
        self._file.close()
        self._partial.unlink(missing_ok=True)

    def _write_json(self, member: IO[bytes], header: Mapping[str, Any]) -> None:
        # Written piece by piece so each dataset's rows are copied from its spool, never
        # loaded: {"request": ..., "systems": {"crm": {"customer": [rows]}}}.
        def put(text: str) -> None:
            member.write(text.encode("utf-8"))

        put("{")
        for key, value in header.items():
            put(f"\n {json.dumps(key)}: {json.dumps(value, ensure_ascii=False, default=plain)},")
        put('\n "systems": {')
        systems: dict[str, list[str]] = {}
        for dotted in self._json:
            system, _, dataset = dotted.partition(".")
            systems.setdefault(system, []).append(dataset)
        for i, (system, datasets) in enumerate(systems.items()):
            put(f"{',' if i else ''}\n  {json.dumps(system)}: {{")
            for j, dataset in enumerate(datasets):
                spool = self._json[f"{system}.{dataset}"]
                put(f"{',' if j else ''}\n   {json.dumps(dataset)}: [")
                spool.seek(0)
                shutil.copyfileobj(spool, member)
                spool.close()
                put("\n   ]")
            put("\n  }")
        put("\n }\n}\n")


def _zip_opener(passphrase: str | None) -> Callable[[IO[bytes]], zipfile.ZipFile]:
    if passphrase is None:
        return lambda file: zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED)
    if not passphrase.strip():
        raise ValueError("the passphrase is empty; give one, or leave the package unencrypted")
    try:
        import pyzipper
    except ModuleNotFoundError:
        raise EncryptionUnavailable(
            "encrypting a package needs the encryption extra: pip install 'pledge[encryption]'"
        ) from None
    secret = passphrase.encode("utf-8")

    def opener(file: IO[bytes]) -> zipfile.ZipFile:
        archive = pyzipper.AESZipFile(
            file, "w", compression=zipfile.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        )
        archive.setpassword(secret)
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        opened: zipfile.ZipFile = archive  # AESZipFile subclasses ZipFile; it has no stubs
        return opened

    return opener
