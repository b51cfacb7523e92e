"""Branding of the Django admin, and its date inputs (imported once from CoreConfig.ready)."""

from django import forms
from django.contrib import admin
from django.contrib.admin import options
from django.db import models

from core.boundary.forms import BoundedSplitDateTimeField, FilterDateField

admin.site.site_header = "Back office administration"
admin.site.site_title = "Back office admin"
admin.site.index_title = "Records and settings"
admin.site.site_url = "/"


def _range_checked_dates() -> None:
    """Every admin date and datetime input lies in the input boundary's FILTER range (README
    "Input rules"): year 1 in the admin's zone overflowed on save (500), and year 9999 was
    stored where no page could read it back. Django's own admin defaults get the range-checked
    form fields; the model admins registered before this runs (the admin app's autodiscover
    comes first) copied the old defaults, so they get them too, unless they chose their own."""
    ours = {
        models.DateTimeField: (forms.SplitDateTimeField, BoundedSplitDateTimeField),
        models.DateField: (None, FilterDateField),
    }
    for db_field, (django_default, form_class) in ours.items():
        options.FORMFIELD_FOR_DBFIELD_DEFAULTS[db_field]["form_class"] = form_class
        for model_admin in admin.site._registry.values():
            override = model_admin.formfield_overrides.setdefault(db_field, {})
            if override.get("form_class", django_default) is django_default:
                override["form_class"] = form_class


_range_checked_dates()
