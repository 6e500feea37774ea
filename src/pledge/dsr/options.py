"""Command-line options that several request commands share, so they read the same
everywhere."""

from __future__ import annotations

from pathlib import Path

import click

#: Where an access package goes and whether it is encrypted.
out_option = click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), default=Path(".")
)
passphrase_option = click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Encrypt the package (AES-256 zip) with the passphrase in this file.",
)
#: Corrected values for rectification.
changes_option = click.option(
    "--set",
    "changes",
    multiple=True,
    required=True,
    metavar="SYSTEM.DATASET.FIELD=VALUE",
    help="A corrected value; repeat for several fields.",
)
