"""Skewed sampling in plain Python with compact arrays (no numpy): Zipf-Mandelbrot weights,
multinomial allocation under per-item caps, distinct weighted samples, cheap UUIDs and timestamps."""

import random
from array import array
from bisect import bisect
from datetime import UTC, datetime
from itertools import accumulate


def zipf_cumulative(rng: random.Random, n: int, *, s: float, q: float, boost=None) -> array:
    """Cumulative weights of `n` items whose popularity ranks are a random permutation; the item at
    rank k (1-based) weighs 1/(k+q)^s. `boost(i)` (optional) lifts item i towards the top ranks."""
    if n == 0:
        return array("d")
    keys = [rng.random() * (boost(i) if boost else 1.0) for i in range(n)]
    order = sorted(range(n), key=keys.__getitem__, reverse=True)
    del keys
    weights = array("d", bytes(8 * n))
    for rank, item in enumerate(order, start=1):
        weights[item] = 1.0 / (rank + q) ** s
    return array("d", accumulate(weights))


def weights_of(cumulative: array) -> array:
    """The per-item weights behind a cumulative array."""
    out = array("d", cumulative)
    for i in range(len(out) - 1, 0, -1):
        out[i] -= out[i - 1]
    return out


def allocate(rng: random.Random, total: int, cumulative: array, cap: int, chunk: int = 200_000) -> array:
    """Split `total` units over the items (multinomial on the weights), no item above `cap`.
    The caller guarantees total <= cap * len(cumulative)."""
    n = len(cumulative)
    counts = array("I", bytes(4 * n))
    if total == 0:
        return counts
    population = range(n)
    remaining = total
    while remaining:
        k = min(chunk, remaining)
        for i in rng.choices(population, cum_weights=cumulative, k=k):
            counts[i] += 1
        remaining -= k
    overflow = 0
    for i in range(n):
        if counts[i] > cap:
            overflow += counts[i] - cap
            counts[i] = cap
    # Re-deal what the caps cut off, by weight while that still lands, then in order.
    rounds = 0
    while overflow and rounds < 20:
        for i in rng.choices(population, cum_weights=cumulative, k=min(overflow, chunk)):
            if counts[i] < cap:
                counts[i] += 1
                overflow -= 1
                if not overflow:
                    break
        rounds += 1
    if overflow:
        for i in rng.sample(population, n):
            room = min(cap - counts[i], overflow)
            counts[i] += room
            overflow -= room
            if not overflow:
                break
    return counts


def sample_distinct(rng: random.Random, cumulative: array, k: int, exclude: int = -1) -> list[int]:
    """`k` distinct item indexes drawn by weight (rejection), never `exclude`; when the weights are too
    concentrated for rejection to finish, the rest is drawn uniformly from the items not yet taken."""
    n = len(cumulative)
    if k <= 0:
        return []
    chosen: set[int] = set()
    if exclude >= 0:
        chosen.add(exclude)
    result: list[int] = []
    population = range(n)
    for _ in range(8):
        need = k - len(result)
        for i in rng.choices(population, cum_weights=cumulative, k=need + need // 2 + 2):
            if i not in chosen:
                chosen.add(i)
                result.append(i)
                if len(result) == k:
                    return result
    rest = [i for i in population if i not in chosen]
    result.extend(rng.sample(rest, k - len(result)))
    return result


def pick(rng: random.Random, cumulative: array) -> int:
    return bisect(cumulative, rng.random() * cumulative[-1])


def cumulative_of(weights) -> array:
    return array("d", accumulate(weights))


def uuid_prefix(rng: random.Random) -> str:
    """The first 24 characters of a version-4 UUID (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-`); appending
    12 hex digits of a row number gives unique, valid UUIDs that cost one f-string each."""
    bits = rng.getrandbits(64)
    hex_ = f"{bits:016x}"
    variant = "89ab"[rng.getrandbits(2)]
    return f"{hex_[:8]}-{hex_[8:12]}-4{hex_[12:15]}-{variant}{hex_[15]}{rng.getrandbits(8):02x}-"


class TimestampFormatter:
    """Epoch seconds → `YYYY-MM-DD HH:MM:SS.ffffff+00` for COPY, caching the date part per day."""

    def __init__(self):
        self._days: dict[int, str] = {}

    def __call__(self, ts: float) -> str:
        micros = int(ts * 1_000_000)
        seconds, micro = divmod(micros, 1_000_000)
        day, rem = divmod(seconds, 86_400)
        date = self._days.get(day)
        if date is None:
            date = self._days[day] = datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%d")
        hour, rem = divmod(rem, 3600)
        minute, second = divmod(rem, 60)
        return f"{date} {hour:02d}:{minute:02d}:{second:02d}.{micro:06d}+00"
