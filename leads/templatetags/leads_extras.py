from django import template

from leads.decision import SYSTEM_LABELS

register = template.Library()

BADGES = {"passed": "badge-ok", "failed": "badge-bad"}


@register.filter
def check_status(run, system: str) -> str:
    return getattr(run, f"{system}_status")


@register.filter
def check_latency(run, system: str):
    return getattr(run, f"{system}_latency_ms")


@register.filter
def check_reason(run, system: str) -> str:
    return getattr(run, f"{system}_reason")


@register.filter
def status_badge(status: str) -> str:
    return BADGES.get(status, "badge-muted")


@register.filter
def system_label(system: str) -> str:
    return SYSTEM_LABELS.get(system, system)
