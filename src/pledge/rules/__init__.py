"""Pure decisions: clocks and deadlines, retention eligibility, erasure exemptions, consent.

Nothing in this package does I/O; callers pass in plain values and get plain answers.
"""
