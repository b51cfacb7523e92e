from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination


class PageNumberPagination(BasePageNumberPagination):
    """`?page=N&page_size=M` (M up to 200), with the total count in every page."""

    page_size_query_param = "page_size"
    max_page_size = 200
