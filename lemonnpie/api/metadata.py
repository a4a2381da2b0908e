"""The OPTIONS answer of every API view."""

from rest_framework.metadata import SimpleMetadata


class APIMetadata(SimpleMetadata):
    """DRF's own, also for a PUT action without an id in its URL (`PUT /notifications/preferences`):
    DRF calls `get_object()` for a PUT to check object permissions, which needs the lookup keyword;
    such an action's object is the caller's own, so there is nothing to look up."""

    def determine_actions(self, request, view):
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if hasattr(view, "get_object") and lookup not in view.kwargs:
            view.get_object = lambda: None
        return super().determine_actions(request, view)
