"""REST API of the key accounts app, mounted under /api/kam/.

/api/kam/accounts/                     accounts (?status=&band=&city=&owner=&search=)
/api/kam/accounts/<id>/transition/     POST {"status", "reason"}
/api/kam/accounts/reassign/            POST {"accounts": [ids], "kam": id, "reason"} (leads)
/api/kam/contacts/, interactions/, orders/
/api/kam/calls/due/                    the signed-in KAM's calls: overdue, today, next 7 days
/api/kam/performance/                  accounts with figures (?band=);
/api/kam/performance/underperforming/, /api/kam/performance/well-performing/
"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from kam.api.views import (
    AccountViewSet,
    CallsDueView,
    ContactViewSet,
    InteractionViewSet,
    OrderViewSet,
    PerformanceViewSet,
)

app_name = "kam-api"
router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("orders", OrderViewSet, basename="order")
router.register("performance", PerformanceViewSet, basename="performance")
urlpatterns = [path("calls/due/", CallsDueView.as_view(), name="calls-due"), *router.urls]
