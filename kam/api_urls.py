"""REST API of the key accounts app, mounted under /api/kam/."""

from rest_framework.routers import DefaultRouter

app_name = "kam-api"
router = DefaultRouter()
urlpatterns = router.urls
