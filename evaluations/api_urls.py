"""REST API of the supplier evaluations app, mounted under /api/evaluations/."""

from rest_framework.routers import SimpleRouter

from evaluations.api.views import EvaluationViewSet

app_name = "evaluations-api"
router = SimpleRouter()
router.register("", EvaluationViewSet, basename="evaluation")
urlpatterns = router.urls
