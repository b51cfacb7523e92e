"""Pages of the supplier evaluations app, mounted under /evaluations/."""

from django.urls import path

from evaluations import views

app_name = "evaluations"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("new/", views.evaluation_create, name="create"),
    path("<int:evaluation_id>/", views.evaluation_detail, name="detail"),
    path("<int:evaluation_id>/reevaluate/", views.evaluation_reevaluate, name="reevaluate"),
]
