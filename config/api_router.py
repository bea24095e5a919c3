"""The HTTP API: /api/v1/ resources, /api/schema/ and /api/docs/.

Each resource is registered on ``router`` below; the register calls are the whole list
of endpoints.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from tracker.api import views
from tracker.api.routing import api_not_found
from tracker.digests.api import SubscriptionViewSet


class Router(DefaultRouter):
    # `?format=csv` is the one way to ask for another format; no `.csv` suffix routes.
    include_format_suffixes = False


router = Router()
router.register("countries", views.CountryViewSet, basename="country")
router.register("blocs", views.BlocViewSet, basename="bloc")
router.register("regulators", views.RegulatorViewSet, basename="regulator")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("rulings", views.RulingViewSet, basename="ruling")
router.register("proceedings", views.ProceedingViewSet, basename="proceeding")
router.register("flags", views.FlagViewSet, basename="flag")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, as the Content Security Policy requires.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="tracker/api_docs.html"),
        name="api-docs",
    ),
    # Anything else under /api/ is a JSON 404 (or a redirect to the address with a slash).
    re_path(r"^.*$", api_not_found),
]
