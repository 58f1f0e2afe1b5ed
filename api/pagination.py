from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    """?page=N&page_size=M (at most 100); a page size that is not a positive whole number is refused."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise ValidationError(
                {self.page_size_query_param: ["Give a positive whole number (pages hold at most 100)."]}
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        # What the API refuses, the schema says: page and page size start at 1.
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
