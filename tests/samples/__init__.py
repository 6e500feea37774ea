"""Requests on public sample schemas (Sakila, Chinook) against hand-checked expectations."""
