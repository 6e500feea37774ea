"""Write a declaration back to YAML, and fingerprint it (the notice version)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import yaml

from pledge.declaration.model import Declaration


def to_data(declaration: Declaration) -> dict[str, Any]:
    """Plain data for the declaration, leaving out what equals the default."""
    data: dict[str, Any] = declaration.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data.pop("pledge", None)
    return {"pledge": 1, **data}


def dump(declaration: Declaration) -> str:
    """The declaration as YAML text that loads back to an equal declaration."""
    return yaml.safe_dump(to_data(declaration), sort_keys=False, allow_unicode=True, width=100)


def fingerprint(declaration: Declaration) -> str:
    """A short stable hash of the declaration's meaning (not its formatting or comments)."""
    canonical = json.dumps(to_data(declaration), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]
