"""Pages of the loans app, mounted under /loans/."""

app_name = "loans"
urlpatterns: list = []
