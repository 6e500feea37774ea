"""Services that compose capabilities: where requests, consent and retention meet.

The capabilities (``dsr``, ``consent``, ``retention``) never import one another; work that
needs two of them (an objection to direct marketing is a request that must reach the consent
ledger) is put together here, and the CLI (and later the API) calls it.
"""
