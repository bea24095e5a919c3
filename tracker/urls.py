from django.urls import path

from . import views

app_name = "tracker"

urlpatterns = [
    path("", views.home, name="home"),
    path("agencies/<int:pk>/", views.home, name="agency-detail"),
    path("countries/<str:code>/", views.home, name="country-detail"),
    path("rulings/<int:pk>/", views.home, name="ruling-detail"),
]
