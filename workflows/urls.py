"""Pages of the workflows app, mounted under /workflows/."""

app_name = "workflows"
urlpatterns: list = []
