from django.urls import path

from core import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("profile/", views.profile, name="profile"),
    path("system/ping/", views.worker_ping, name="worker-ping"),
]
