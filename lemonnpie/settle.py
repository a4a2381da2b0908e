"""Start-up of a serving process: what its first requests would build, built now, then frozen out
of the garbage collector's way.

CPython's collector scans every object it tracks in a full (oldest-generation) collection, which
runs whenever the objects that survived into that generation since the last one reach a quarter of
it. A Django process serving the API tracks about 150,000 objects, nearly all made at start-up
(modules, models, URL patterns, compiled queries) and alive until it exits: on the bench machine a
full collection took 87 ms, a pause of every request in flight, and showed in the tail of the
heaviest reads (suggestions p99 over 100 ms). `gc.freeze()` moves every object alive at that
moment into a permanent generation the collector no longer scans (CPython's own advice for
servers; Instagram's), so a full collection only scans what requests made since (0.1 ms after).
Garbage made by requests, cycles included, is collected as before.
"""

import gc

from django.urls import get_resolver


def settle() -> None:
    """Populate the URL resolver (its reverse dictionaries are built on the first request) and
    freeze every object alive now."""
    get_resolver().reverse_dict  # noqa: B018 (built on first use)
    gc.collect()
    gc.freeze()
