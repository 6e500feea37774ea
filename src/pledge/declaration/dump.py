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


# YAML folds these line breaks to a space inside single-quoted or plain scalars, so text
# holding them must be double-quoted, where they are escaped and read back exactly.
_BREAKS = frozenset("\r\x85\u2028\u2029")


class _Dumper(yaml.SafeDumper):
    """SafeDumper that double-quotes text containing YAML line-break characters."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if any(c in _BREAKS for c in value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(declaration: Declaration) -> str:
    """The declaration as YAML text that loads back to an equal declaration."""
    return yaml.dump(
        to_data(declaration), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def fingerprint(declaration: Declaration) -> str:
    """A short stable hash of the declaration's meaning (not its formatting or comments)."""
    canonical = json.dumps(to_data(declaration), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]
