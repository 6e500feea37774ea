"""Shared fixtures live in small modules under tests/fixtures; this file only loads them."""

pytest_plugins = ["tests.fixtures.servers", "tests.fixtures.smtp"]
