"""`{% load lists %}`: the header row and the pagination of a `core.lists.Table`."""

from django import template

register = template.Library()


@register.inclusion_tag("core/_table_head.html")
def table_head(table, select: str = ""):
    """The header row: sortable columns are links that toggle the order (aria-sort says
    which). `select`: a first column for checkboxes, with this label for screen readers."""
    return {"headers": table.headers(), "select": select}


@register.inclusion_tag("core/_table_pages.html")
def table_pages(table, noun: str = "row", plural: str = ""):
    from core.lists import PAGE_SIZES

    page = table.page
    return {
        "table": table,
        "page": page,
        "noun": noun if page.paginator.count == 1 else (plural or f"{noun}s"),
        "sizes": [(size, table.url(size=size), size == table.size) for size in PAGE_SIZES],
        "previous_url": table.url(page=page.previous_page_number())
        if page.has_previous()
        else None,
        "next_url": table.url(page=page.next_page_number()) if page.has_next() else None,
        "last_url": table.url(page=page.paginator.num_pages) if page.has_next() else None,
        "first_url": table.url(page=1) if page.has_previous() else None,
    }


@register.inclusion_tag("core/_table_keep.html")
def table_keep(table):
    """Hidden inputs that keep the list's sort and page size when a filter form is sent."""
    query = table.request.GET
    return {"sort": query.get("sort", ""), "size": query.get("size", "")}
