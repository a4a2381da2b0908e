"""Shared database machinery, used by every app (none of it knows a domain):

- `locking`: `locked_atomic` (a transaction with a short lock timeout; a timeout or deadlock is a 409);
- `reconcile`: the framework `recompute_stats` runs (recount stored counters, report drift, fix it);
- `planner`: transaction-local planner and extension settings, and the planner's row estimates;
- `compiled`: SQL compiled once for the hottest single-row reads;
- `upsert`: `INSERT ... ON CONFLICT` that tells an insert from a conflict.
"""
