from django.urls import path

from .site import views
from .site.feeds import RulingFeed

app_name = "tracker"

urlpatterns = [
    path("", views.agency_table, name="home"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency-detail"),
    path("countries/", views.country_list, name="countries"),
    path("countries/<str:code>/", views.country_detail, name="country-detail"),
    path("rulings/", views.ruling_list, name="rulings"),
    path("rulings/feed/", RulingFeed(), name="ruling-feed"),
    path("rulings/<int:pk>/", views.ruling_detail, name="ruling-detail"),
]
