"""Upload-free by design: no model stores a file, the API reads JSON only, and the file
parts of any multipart post are dropped unread into memory or disk."""

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import RequestFactory
from rest_framework.parsers import JSONParser

from config.api_router import router
from tests.api.conftest import client_for


def test_no_model_has_a_file_or_image_field():
    # Given every installed model, ours and the libraries'
    file_fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)  # ImageField is a FileField
    ]
    # Then none of them stores a file
    assert file_fields == []


def test_every_api_endpoint_reads_json_only():
    parsers = {prefix: viewset.parser_classes for prefix, viewset, _ in router.registry}
    assert parsers and all(classes == [JSONParser] for classes in parsers.values()), parsers
    assert settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] == ["rest_framework.parsers.JSONParser"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/agencies/", "/api/v1/regulators/", "/api/v1/rulings/", "/api/v1/subscriptions/"])
def test_a_multipart_post_to_the_api_is_a_415(url):
    # Given a user who may write everything
    from django.contrib.auth.models import User

    client = client_for(User.objects.create_superuser("root", "root@example.org", "pw"))
    # When a form with a file is posted
    response = client.post(url, {"name": "x", "attachment": SimpleUploadedFile("a.pdf", b"%PDF-1.4")}, format="multipart")
    # Then the API refuses the media type
    assert response.status_code == 415


def test_the_file_part_of_a_multipart_post_is_dropped_and_the_fields_kept():
    # Given a multipart post with a field and a 3 MB file (past Django's in-memory limit)
    request = RequestFactory().post(
        "/subscriptions/", {"email": "reader@example.org", "upload": SimpleUploadedFile("big.bin", b"\0" * 3_000_000)}
    )
    # Then the form field is read and the file is kept nowhere
    assert request.POST["email"] == "reader@example.org"
    assert len(request.FILES) == 0
