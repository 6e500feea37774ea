"""One file per schema change, in order; Alembic skips this file."""
