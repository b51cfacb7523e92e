"""Pages of the key accounts app, mounted under /kam/."""

from django.urls import path

from kam import views

app_name = "kam"
urlpatterns = [
    path("", views.today_page, name="today"),
    path("accounts/", views.accounts_page, name="accounts"),
    path("accounts/new/", views.account_new, name="account-new"),
    path("accounts/reassign/", views.reassign_page, name="reassign"),
    path("accounts/<int:restaurant_id>/", views.account_page, name="account"),
    path("accounts/<int:restaurant_id>/edit/", views.account_edit, name="account-edit"),
    path("accounts/<int:restaurant_id>/status/", views.account_transition_view, name="transition"),
    path("accounts/<int:restaurant_id>/quick-call/", views.quick_call, name="quick-call"),
    path("accounts/<int:restaurant_id>/contacts/new/", views.contact_new, name="contact-new"),
    path(
        "accounts/<int:restaurant_id>/contacts/<int:contact_id>/edit/",
        views.contact_edit,
        name="contact-edit",
    ),
    path(
        "accounts/<int:restaurant_id>/contacts/<int:contact_id>/delete/",
        views.contact_delete_view,
        name="contact-delete",
    ),
    path("accounts/<int:restaurant_id>/log/", views.interaction_new, name="interaction-new"),
    path("accounts/<int:restaurant_id>/orders/new/", views.order_new, name="order-new"),
    path("performance/", views.performance_page, name="performance"),
]
