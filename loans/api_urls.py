"""REST API of the loans app, mounted under /api/loans/."""

from rest_framework.routers import DefaultRouter

from loans.api.views import LoanApplicationViewSet

app_name = "loans-api"
router = DefaultRouter()
router.register("applications", LoanApplicationViewSet, basename="application")
urlpatterns = router.urls
