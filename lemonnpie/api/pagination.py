from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`page` (1-based) and `page_size` (default 20, silently capped at 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        try:
            size = int(raw) if raw is not None else self.page_size
        except (TypeError, ValueError, OverflowError):
            return self.page_size
        if size < 1:
            return self.page_size
        return min(size, self.max_page_size)
