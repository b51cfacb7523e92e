"""REST API of the leads app, mounted under /api/leads/."""

from rest_framework.routers import DefaultRouter

app_name = "leads-api"
router = DefaultRouter()
urlpatterns = router.urls
