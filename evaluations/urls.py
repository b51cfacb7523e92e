"""Pages of the supplier evaluations app, mounted under /evaluations/."""

app_name = "evaluations"
urlpatterns: list = []
