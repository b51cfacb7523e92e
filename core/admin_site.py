"""Branding of the Django admin (imported once from CoreConfig.ready)."""

from django.contrib import admin

admin.site.site_header = "Back office administration"
admin.site.site_title = "Back office admin"
admin.site.index_title = "Records and settings"
admin.site.site_url = "/"
