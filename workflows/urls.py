"""Pages of the workflows app, mounted under /workflows/."""

from django.urls import path

from workflows import views

app_name = "workflows"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("start/<slug:key>/", views.run_start, name="start"),
    path("template/<slug:key>.xlsx", views.template_download, name="template"),
    path("runs/<uuid:run_id>/", views.run_detail, name="run"),
    path("runs/<uuid:run_id>/result/", views.run_result, name="result"),
    path("runs/<uuid:run_id>/steps/<slug:step_id>/", views.step_submit, name="step"),
    path("uploads/<uuid:upload_id>/", views.upload_download, name="upload"),
]
