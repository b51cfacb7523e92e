"""REST API of the workflows app, mounted under /api/workflows/."""

from rest_framework.routers import DefaultRouter

from workflows.api.views import DefinitionViewSet, RunViewSet

app_name = "workflows-api"
router = DefaultRouter()
router.register("definitions", DefinitionViewSet, basename="definition")
router.register("runs", RunViewSet, basename="run")
urlpatterns = router.urls
