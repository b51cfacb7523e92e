"""Template side of `core.present`: `{% load present %}`.

{{ application.amount|money:application.currency }}   €15,000.00
{{ count|number }}  {{ ratio|number:2 }}                12,345   0.43
{{ event.created_at|moment }}                           29 Nov 2026, 17:05 CET (your zone)
{{ call.due_at|moment:account.time_zone }}              29 Nov 2026, 21:35 IST
{{ run.finished_at|moment_seconds }}                    ... 17:05:09 CET
{{ lead.birth_date|day }}  {{ "2026-01"|month }}        12 May 1984   Jan 2026
{{ run.duration|duration }}  {{ check.latency_ms|duration_ms }}   2 min 05 s   420 ms
{{ beat.received_at|ago }}  {{ upload.size|file_size }}            7 min 00 s ago   1.5 MiB
{{ interaction|label:"outcome" }}                       No answer (the field's choice label)
{% timeline events %}                                   an object's audit trail, for people
"""

from __future__ import annotations

from typing import Any

from django import template

from core import present

register = template.Library()


@register.filter
def money(amount: Any, currency: str | None = None) -> str:
    return present.money(amount, currency)


@register.filter
def number(value: Any, digits: int | None = None) -> str:
    return present.number_text(value, digits=None if digits in (None, "") else int(digits))


@register.filter
def moment(value: Any, zone: Any = None) -> str:
    return present.moment(value, zone)


@register.filter
def also_yours(value: Any, zone: Any) -> str:
    return present.also_yours(value, zone)


@register.filter
def moment_seconds(value: Any, zone: Any = None) -> str:
    return present.moment(value, zone, seconds=True)


@register.filter
def day(value: Any, zone: Any = None) -> str:
    return present.day(value, zone)


@register.filter
def month(value: Any) -> str:
    return present.month(value)


@register.filter
def duration(value: Any) -> str:
    return present.duration(value)


@register.filter
def duration_ms(value: Any) -> str:
    return present.duration(value, unit="ms")


@register.filter
def ago(value: Any) -> str:
    return present.ago(value)


@register.filter
def file_size(value: Any) -> str:
    return present.file_size(value)


@register.filter
def label(obj: Any, field_name: str) -> str:
    """The label of `obj.<field_name>`'s stored choice."""
    field = present.model_field(type(obj), field_name)
    value = getattr(obj, field_name, None)
    if field is None or not field.choices:
        return present.EMPTY if value in (None, "") else str(value)
    return present.choice_label(value, field.choices)


@register.inclusion_tag("core/_audit_timeline.html")
def timeline(events) -> dict:
    from core.audit import describe_events

    return {"entries": describe_events(events)}
