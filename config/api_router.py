"""The HTTP API: /api/v1/ resources, /api/schema/ and /api/docs/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = [
    path("v1/", include(router.urls)),
]
