from django.urls import path

app_name = "digests"

urlpatterns: list = []
