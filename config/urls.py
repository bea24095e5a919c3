from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tracker import health

urlpatterns = [
    # Probes for the orchestrator; no trailing slash, as SECURE_REDIRECT_EXEMPT names them.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/", include("config.api_router")),
    path("subscriptions/", include("tracker.digests.urls")),
    path("", include("tracker.urls")),
]
