"""The contact centre's call recordings as files: tiny silent WAVs where the rows say."""

from __future__ import annotations

import struct
from pathlib import Path

from pledge.demo.rows import Row

#: The folder (beside ``pledge.yaml``) the recordings' ``file_path`` values are relative to.
RECORDINGS = "recordings"


def wav(seconds: float = 0.1, rate: int = 8_000) -> bytes:
    """A short silent telephone-quality WAV (8 kHz, 8-bit mono): the shape of a recording."""
    frames = int(seconds * rate)
    header = b"RIFF" + struct.pack("<I", 36 + frames) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8)
    return header + b"data" + struct.pack("<I", frames) + b"\x80" * frames


class Recordings:
    """Writes one file per ``call_recording`` row, at its ``file_path`` under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.audio = wav()
        self.made: set[Path] = set()

    def write(self, rows: list[Row]) -> None:
        for row in rows:
            path = self.folder / row[-1]
            if path.parent not in self.made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.made.add(path.parent)
            path.write_bytes(self.audio)
