"""The service's URLs plus the baselines the benchmarks compare it with."""

from django.urls import path

from config.urls import urlpatterns as service_urlpatterns

from . import views

urlpatterns = [
    path("bench/bare/agencies/", views.bare_agencies, name="bench-bare-agencies"),
    *service_urlpatterns,
]
