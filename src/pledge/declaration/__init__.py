"""The declaration language: parse, validate and summarise ``pledge.yaml``. Pure: no I/O
beyond reading the file."""

from pledge.declaration.dump import dump, fingerprint, to_data
from pledge.declaration.duration import Duration
from pledge.declaration.load import (
    DeclarationInvalid,
    DeclarationUnreadable,
    Loaded,
    load_file,
    load_text,
)
from pledge.declaration.model import Declaration
from pledge.declaration.source import Place, Problem
from pledge.declaration.summary import Summary, summarise

__all__ = [
    "Declaration",
    "DeclarationInvalid",
    "DeclarationUnreadable",
    "Duration",
    "Loaded",
    "Place",
    "Problem",
    "Summary",
    "dump",
    "fingerprint",
    "load_file",
    "load_text",
    "summarise",
    "to_data",
]
