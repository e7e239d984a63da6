from rest_framework.pagination import CursorPagination, PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class _Keyset(CursorPagination):
    page_size = Pagination.page_size
    page_size_query_param = Pagination.page_size_query_param
    max_page_size = Pagination.max_page_size
    ordering = ("-created_at", "-id")


class PageOrKeysetPagination(Pagination):
    """Page numbers with a total `count` (default), or keyset pages with `?cursor=`.

    A page number costs an OFFSET walk and a COUNT over every matching row, which grow with
    the register. `?cursor=` (empty to start) answers `{next, previous, results}` without a
    count, each page read straight from the sort index wherever it is: constant time at any
    depth and any size. Follow `next` to walk the whole register.
    """

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self._keyset = None
        if self.cursor_query_param in request.query_params:
            self._keyset = _Keyset()
            return self._keyset.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        cursor = {
            "name": self.cursor_query_param,
            "required": False,
            "in": "query",
            "description": "Keyset pages: empty to start, then the `next` link's value. "
            "The answer is {next, previous, results} without a count.",
            "schema": {"type": "string"},
        }
        return [*super().get_schema_operation_parameters(view), cursor]

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        # Keyset pages (?cursor=) carry no count: only `results` is always there.
        paginated["required"] = ["results"]
        paginated["properties"]["count"]["description"] = "Page numbers only; absent with ?cursor=."
        return paginated

    def get_paginated_response(self, data):
        if self._keyset is not None:
            return self._keyset.get_paginated_response(data)
        return super().get_paginated_response(data)
