"""Alembic's migration scripts for Pledge's store; run them through :mod:`pledge.store.migrate`."""
