from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination, PageNumberPagination


class StableOrderingFilter(OrderingFilter):
    """`?ordering=` with the id as the last key, so rows that tie on the chosen field keep
    one order and numbered pages neither repeat nor skip them (PostgreSQL returns ties in
    any order)."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering or any(key.lstrip("-") in ("id", "pk") for key in ordering):
            return ordering
        return [*ordering, "-id" if ordering[-1].startswith("-") else "id"]


class DeferredJoinPaginator(Paginator):
    """Page numbers whose OFFSET walk reads ids only, then the page's rows by id.

    `OFFSET 99950 LIMIT 50` over the full query computes every skipped row (its columns and
    each annotated subquery: alert summary, notified facts) only to drop it; PostgreSQL spent
    seconds on a deep page. The ids come from the sort index, and only the page's rows are
    built. Same rows, same order."""

    def page(self, number):
        queryset = self.object_list
        if (
            not isinstance(queryset, QuerySet)
            or queryset.query.distinct
            or queryset.query.combinator
        ):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = queryset.in_bulk(ids) if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


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

    django_paginator_class = DeferredJoinPaginator
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
