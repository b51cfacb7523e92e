"""Pages of the key accounts app, mounted under /kam/."""

app_name = "kam"
urlpatterns: list = []
