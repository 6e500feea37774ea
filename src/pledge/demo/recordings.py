"""The files the rows name: tiny silent WAVs for the contact centre's call recordings and
tiny MP4s for the CCTV clips, each where its row's ``file_path`` says."""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from pathlib import Path

import sqlalchemy as sa

from pledge.demo.rows import Row

#: The folders (beside ``pledge.yaml``) the ``file_path`` values are relative to.
RECORDINGS, CCTV = "recordings", "cctv"


def wav(seconds: float = 0.1, rate: int = 8_000) -> bytes:
    """A short silent telephone-quality WAV (8 kHz, 8-bit mono): the shape of a recording."""
    frames = int(seconds * rate)
    header = b"RIFF" + struct.pack("<I", 36 + frames) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8)
    return header + b"data" + struct.pack("<I", frames) + b"\x80" * frames


def mp4() -> bytes:
    """An MP4's opening boxes (file type, then an empty media box): the shape of a clip."""
    brands = b"isom" + struct.pack(">I", 512) + b"isomiso2mp41"
    return struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands + struct.pack(">I", 8) + b"mdat"


#: What the files under each root hold.
CONTENT: dict[str, Callable[[], bytes]] = {RECORDINGS: wav, CCTV: mp4}


class Files:
    """Writes one file per row of every table with a field naming files (``file_root``), at
    the row's path under that root in ``folder``."""

    def __init__(self, folder: Path, tables: Mapping[str, sa.Table]) -> None:
        self.fields: dict[str, list[tuple[Path, int, bytes]]] = {}
        for name, table in tables.items():
            for position, column in enumerate(table.columns):
                root = column.info.get("file_root")
                if root:
                    where = (folder / root, position, CONTENT[root]())
                    self.fields.setdefault(name, []).append(where)
        self.made: set[Path] = set()

    def write(self, rows: Mapping[str, list[Row]]) -> None:
        """The files the rows of one chunk name."""
        for name, fields in self.fields.items():
            for root, position, content in fields:
                for row in rows.get(name, ()):
                    path = root / row[position]
                    if path.parent not in self.made:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        self.made.add(path.parent)
                    path.write_bytes(content)
