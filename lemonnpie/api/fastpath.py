"""Anonymous reads answered before DRF: the request throttle, then an answer that already exists.

A DRF request costs its framework work whatever the view does: the `Request` wrapper, content
negotiation, authentication, permissions, throttles, then the renderer. For an anonymous GET of an
answer kept in the cache (a title's detail, a search page, suggestions) or of a fixed one (ping)
none of that decides anything: there is no caller to authenticate, the permission is "anyone may
read", and the bytes are made. `fast_read(view, answer)` wraps a view so such a request is counted
by the request throttle (`RequestRateThrottle`, the same counter DRF's check uses) and answered by
`answer(request, *args, **kwargs)`; when `answer` has nothing (a cache miss, an input it leaves to
the view's validation) or the caller is limited, the request goes on to the DRF view unchanged,
which reuses the throttle's decision instead of counting the request twice (429 and its envelope
come from DRF as always).

A request with an `Authorization` header always takes the DRF path: its credentials must be
checked (401 on a bad token) and signed-in answers carry the caller's own state.
"""

from functools import wraps

from lemonnpie.api.throttles import RequestRateThrottle


def count_anonymous_request(request) -> bool:
    """Count an anonymous request against its address's `anon` limit: allowed or not. The throttle
    is kept on the request, so DRF's own check of the same request reuses its decision."""
    throttle = RequestRateThrottle()
    allowed = throttle.allow_request(request, None)
    request.counted_by = (throttle, allowed)
    return allowed


def fast_read(view, answer):
    """`view` (a view function made by `as_view()`) with anonymous GETs answered by `answer` first."""

    @wraps(view)  # keeps cls, initkwargs, actions, csrf_exempt: the schema and routing see `view`
    def fast_view(request, *args, **kwargs):
        if request.method == "GET" and "HTTP_AUTHORIZATION" not in request.META and count_anonymous_request(request):
            response = answer(request, *args, **kwargs)
            if response is not None:
                return response
        return view(request, *args, **kwargs)

    return fast_view


class FastReads:
    """A viewset mixin: `fast_reads = {"retrieve": "method name"}` names, per GET action, the
    classmethod `(request, *args, **kwargs) -> HttpResponse | None` that answers anonymous GETs
    before DRF (see `fast_read`)."""

    fast_reads: dict[str, str] = {}

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        view = super().as_view(actions, **initkwargs)  # type: ignore[misc]
        name = cls.fast_reads.get((actions or {}).get("get", ""))
        return view if name is None else fast_read(view, getattr(cls, name))
