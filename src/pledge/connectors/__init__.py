"""Connectors: one module per kind of system behind one small protocol (``base.Connector``).

Query text is built in ``sql`` (pure); each driver module only executes it. Open a declared
system with :func:`connect`.
"""

from pledge.connectors.base import (
    BATCH,
    ConnectionUnresolved,
    Connector,
    ConnectorError,
    Delete,
    DriverMissing,
    QueryFailed,
    Row,
    Select,
    SystemUnavailable,
    Update,
    Write,
)
from pledge.connectors.registry import KINDS, Kind, connect

__all__ = [
    "BATCH",
    "KINDS",
    "ConnectionUnresolved",
    "Connector",
    "ConnectorError",
    "Delete",
    "DriverMissing",
    "Kind",
    "QueryFailed",
    "Row",
    "Select",
    "SystemUnavailable",
    "Update",
    "Write",
    "connect",
]
