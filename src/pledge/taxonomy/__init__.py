"""The data category vocabulary: fideslang's taxonomy plus Pledge's telecom namespace.

The fideslang keys come from the ``fideslang`` package (Ethyca, Apache-2.0), read once
on first use; the telecom namespace ships as data in ``telecom.yaml``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

#: Categories that are special category data (Art. 9) or criminal offence data (Art. 10).
SPECIAL_CATEGORY_PREFIXES = (
    "user.biometric",
    "user.health_and_medical",
    "user.demographic.political_opinion",
    "user.demographic.race_ethnicity",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.authorization.biometric",
    "user.criminal_history",
)


@dataclass(frozen=True)
class Category:
    """One data category: its dotted key, a name for people and a description."""

    key: str
    name: str
    description: str


@cache
def categories() -> dict[str, Category]:
    """Every known data category by key."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    known: dict[str, Category] = {}
    for item in DEFAULT_TAXONOMY.data_category:
        known[item.fides_key] = Category(
            item.fides_key, item.name or item.fides_key, (item.description or "").strip()
        )
    text = resources.files(__package__).joinpath("telecom.yaml").read_text("utf-8")
    for key, entry in (yaml.safe_load(text) or {}).items():
        known[key] = Category(key, entry["name"], entry.get("description", ""))
    return known


def is_known(key: str) -> bool:
    """Whether ``key`` names a data category."""
    return key in categories()


def suggest(key: str) -> str | None:
    """The closest known category key, for a "did you mean" hint."""
    close = difflib.get_close_matches(key, list(categories()), n=1, cutoff=0.6)
    return close[0] if close else None


def is_special(key: str) -> bool:
    """Whether the category is special category (Art. 9) or criminal offence (Art. 10) data."""
    return any(key == p or key.startswith(p + ".") for p in SPECIAL_CATEGORY_PREFIXES)


def covers(general: str, specific: str) -> bool:
    """Whether ``general`` is ``specific`` or one of its ancestors (user.contact covers
    user.contact.email)."""
    return specific == general or specific.startswith(general + ".")
