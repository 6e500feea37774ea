"""Tests for consent, suppression, registers and campaign screening."""
