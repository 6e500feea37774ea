"""Fixtures for connector tests (kept in engines.py; this file only exposes them)."""

from tests.connectors.engines import make_calls

__all__ = ["make_calls"]
