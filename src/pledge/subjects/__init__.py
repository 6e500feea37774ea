"""Whose rows are these: identities, identity hashing, subject reach and the one plan runner.

Requests, consent, retention and the registers all use this room; none of them imports
another. See README "Whose rows are these" for the rules the runner keeps.
"""
