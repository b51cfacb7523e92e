"""Pages of the leads app, mounted under /leads/."""

app_name = "leads"
urlpatterns: list = []
