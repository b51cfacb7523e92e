"""REST API of the loans app, mounted under /api/loans/."""

from rest_framework.routers import DefaultRouter

app_name = "loans-api"
router = DefaultRouter()
urlpatterns = router.urls
