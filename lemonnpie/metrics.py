"""Product metrics exported at /metrics beside django-prometheus's own (the Grafana dashboard in
`ops/grafana/` is built on them; a test checks every expression there names a metric defined here
or by django-prometheus)."""

from prometheus_client import Counter

REVIEWS = Counter("lemonnpie_reviews_total", "Review writes by action.", ["action"])
VOTES = Counter("lemonnpie_review_votes_total", "Helpful/unhelpful votes cast, changed or removed.", ["action"])
LOGINS = Counter("lemonnpie_logins_total", "Login attempts by outcome.", ["outcome"])
CACHE_LOOKUPS = Counter(
    "lemonnpie_cache_lookups_total", "Application cache lookups by area and result.", ["area", "result"]
)
THROTTLE_DEGRADED = Counter(
    "lemonnpie_throttle_degraded_total",
    "Requests let through unthrottled because the security cache was unreachable.",
    ["scope"],
)
OUTBOX = Counter(
    "lemonnpie_outbox_messages_total",
    "Outbox messages by event: queued, published, publish_failed, delivered, skipped.",
    ["event"],
)


def cache_lookup(area: str, value, expect: type | None = None):
    """Count a hit or miss for `area` and hand the value back (for `x = cache_lookup("movie", cache.get(k))`).

    With `expect`, a value of another type (e.g. what an older release cached under the same key)
    is a miss and comes back as None."""
    if expect is not None and not isinstance(value, expect):
        value = None
    key = (area, value is None)
    child = _LOOKUP_CHILDREN.get(key)
    if child is None:  # labels() once per (area, result), not per request
        child = _LOOKUP_CHILDREN[key] = CACHE_LOOKUPS.labels(area=area, result="miss" if value is None else "hit")
    child.inc()
    return value


_LOOKUP_CHILDREN: dict[tuple[str, bool], object] = {}
