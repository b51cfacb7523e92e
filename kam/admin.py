"""Admin of the key accounts app: each model registers here with its filters and actions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.shortcuts import render

from core import present
from core.admin import AuditTrailInline, ReadOnlyAdminMixin
from core.boundary import PLANNED
from core.errors import ApplicationError
from kam.access import can_reassign
from kam.forms import ReassignForm
from kam.models import (
    CallReminder,
    Interaction,
    Order,
    PerformanceSnapshot,
    PointOfContact,
    Restaurant,
)
from kam.services import accounts_reassign


@admin.action(
    description="Reassign the selected accounts to another KAM…", permissions=["reassign"]
)
def reassign_selected(modeladmin, request, queryset):
    """An intermediate page asks for the new KAM and the reason, then reassigns (audited)."""
    form = ReassignForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        try:
            moved = accounts_reassign(
                actor=request.user,
                restaurant_ids=list(queryset.values_list("pk", flat=True)),
                kam_id=form.cleaned_data["kam"].pk,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
        else:
            modeladmin.message_user(
                request,
                f"{moved} account(s) reassigned to {form.cleaned_data['kam'].get_username()}.",
                messages.SUCCESS,
            )
        return None
    return render(
        request,
        "admin/kam/reassign.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Reassign accounts",
            "accounts": queryset.select_related("owner"),
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


class ContactInline(admin.TabularInline):
    model = PointOfContact
    fields = ("name", "role", "phone", "email", "preferred_hours", "is_primary")
    extra = 0


@admin.display(description="Revenue, 30 days", ordering="revenue_30d")
def revenue_30d(snapshot: PerformanceSnapshot) -> str:
    return present.money(snapshot.revenue_30d, snapshot.restaurant.currency)


class SnapshotInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PerformanceSnapshot
    fields = ("date", "band", "orders_30d", revenue_30d, "orders_90d", "days_since_last_order")
    readonly_fields = fields
    ordering = ("-date",)
    extra = 0
    max_num = 30


class RestaurantAdminForm(forms.ModelForm):
    """The next call, when changed here, lies in the planning horizon (`PLANNED`), as on the
    pages and in the API; an unchanged one (an overdue call) does not stop other edits. (No
    Meta: the admin gives the model and the fields.)"""

    def clean_next_call_due_at(self):
        value = self.cleaned_data.get("next_call_due_at")
        if "next_call_due_at" in self.changed_data:
            PLANNED.validate(value)
        return value


@admin.register(Restaurant)
class RestaurantAdmin(admin.ModelAdmin):
    form = RestaurantAdminForm
    list_display = ("name", "city", "country", "owner", "status", "band", "next_call_due_at")
    list_filter = (
        "status", "band", "segment", "rhythm", "country",
        ("owner", admin.RelatedOnlyFieldListFilter),  # the KAMs who own accounts, not every user
    )  # fmt: skip
    search_fields = ("name", "city", "cuisine")
    list_select_related = ("owner",)
    readonly_fields = ("status", "owner", "band", "band_updated_at", "created_at", "updated_at")
    actions = [reassign_selected]
    inlines = [ContactInline, SnapshotInline, AuditTrailInline]
    date_hierarchy = "next_call_due_at"

    def has_add_permission(self, request) -> bool:
        return False  # created through the pages/API so the first call is planned and audited

    def has_reassign_permission(self, request) -> bool:
        return can_reassign(request.user)


@admin.register(PointOfContact)
class PointOfContactAdmin(admin.ModelAdmin):
    list_display = ("name", "restaurant", "role", "phone", "email", "is_primary")
    list_filter = ("role", "is_primary")
    search_fields = ("name", "email", "phone", "restaurant__name")
    list_select_related = ("restaurant",)
    raw_id_fields = ("restaurant",)


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "restaurant", "kind", "outcome", "contact", "created_by")
    list_filter = ("kind", "outcome", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("restaurant__name", "details")
    list_select_related = ("restaurant", "contact", "created_by")
    raw_id_fields = ("restaurant", "contact", "created_by")
    date_hierarchy = "occurred_at"


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("placed_at", "restaurant", "amount_display", "contact")
    list_filter = ("currency", ("placed_at", admin.DateFieldListFilter))
    search_fields = ("restaurant__name", "details")
    list_select_related = ("restaurant", "contact")
    raw_id_fields = ("restaurant", "contact", "created_by")
    date_hierarchy = "placed_at"

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, order: Order) -> str:
        return present.money(order.amount, order.currency)


@admin.register(PerformanceSnapshot)
class PerformanceSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "restaurant", "band", "orders_30d", revenue_30d, "orders_90d")
    list_filter = ("band", "date")
    search_fields = ("restaurant__name",)
    list_select_related = ("restaurant",)
    date_hierarchy = "date"


@admin.register(CallReminder)
class CallReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "kam", "overdue", "today", "next_seven_days", "created_at")
    list_filter = ("date", "kam")
    list_select_related = ("kam",)
