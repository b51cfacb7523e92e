"""Pages of the loans app, mounted under /loans/."""

from django.urls import path

from loans import views

app_name = "loans"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_create, name="create"),
    path("<uuid:application_id>/", views.application_detail, name="detail"),
    path("<uuid:application_id>/resubmit/", views.application_resubmit, name="resubmit"),
    path("<uuid:application_id>/poll-now/", views.application_poll_now, name="poll-now"),
]
