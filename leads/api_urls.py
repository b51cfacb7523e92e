"""REST API of the leads app, mounted under /api/leads/.

/api/leads/                      leads (CRUD, ?stage=)
/api/leads/<id>/qualify/         POST: start a run (202)
/api/leads/<id>/runs/            the lead's runs
/api/leads/qualify/              POST {"leads": [ids]}: start several
/api/leads/runs/, runs/<id>/     every run you may see
"""

from rest_framework.routers import SimpleRouter

from leads.api.views import LeadViewSet, RunViewSet

app_name = "leads-api"
router = SimpleRouter()
router.register("runs", RunViewSet, basename="run")
router.register("", LeadViewSet, basename="lead")
urlpatterns = router.urls
