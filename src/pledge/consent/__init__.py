"""Consent and marketing: the ledger, suppression, TPS/CTPS registers, opt-out routes and
campaign screening. The decisions themselves are pure, in :mod:`pledge.rules.consent`."""
