"""REST API of the workflows app, mounted under /api/workflows/."""

from rest_framework.routers import DefaultRouter

app_name = "workflows-api"
router = DefaultRouter()
urlpatterns = router.urls
