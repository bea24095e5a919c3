"""Pages of ``{"count", "next", "previous", "results"}`` with ``?page=`` and ``?page_size=``."""

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def _positive_int(value: str, *, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: [f"“{value}” is not a whole number; use 1 or more."]}) from None
    if number < 1:
        raise ValidationError({field: [f"{number} is too small; use 1 or more."]})
    return number


class PageNumberPagination(pagination.PageNumberPagination):
    """Numbered pages; a ``page_size`` above the maximum is capped, not refused."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ("last",)
    invalid_page_message = "Page {page_number} does not exist: {message}."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        return min(_positive_int(raw, field=self.page_size_query_param), self.max_page_size)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None or raw == "":
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        return _positive_int(raw, field=self.page_query_param)

    def validate_query(self, request) -> None:
        """Refuse malformed paging parameters even where no page is cut (a CSV export
        streams every row, but ``page=false`` is still a 400, as for the JSON list)."""
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw not in (None, "") and not (name == self.page_query_param and raw in self.last_page_strings):
                _positive_int(raw, field=name)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Number of results per page (default {self.page_size}; "
                    f"a value above {self.max_page_size} is capped at {self.max_page_size})."
                )
            else:
                parameter["description"] = "Page number, from 1; a page past the last one is a 404."
        return parameters
