"""Pages of the leads app, mounted under /leads/."""

from django.urls import path

from leads import views

app_name = "leads"
urlpatterns = [
    path("", views.pipeline_page, name="pipeline"),
    path("new/", views.lead_new, name="new"),
    path("qualify/", views.qualify_many, name="qualify-many"),
    path("qualify/progress/", views.qualify_progress, name="progress"),
    path("<int:lead_id>/", views.lead_page, name="lead"),
    path("<int:lead_id>/edit/", views.lead_edit, name="edit"),
    path("<int:lead_id>/delete/", views.lead_delete_view, name="delete"),
    path("<int:lead_id>/qualify/", views.lead_qualify, name="qualify"),
]
