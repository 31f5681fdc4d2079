"""The organisation registration page takes one small certificate file: the page says the limit, the
form and the request-body limit enforce it, and a refusal changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ggzy.accounts.forms import CERTIFICATE_FILE_MAX, REGISTRATION_BODY
from ggzy.core.errors import CoreError
from ggzy.core.limits import body_limit
from tests.accounts.test_self_registration import _count, form
from tests.factories import default_centre, make_uscc

pytestmark = pytest.mark.django_db


def test_the_registration_page_states_the_certificate_limit_it_enforces() -> None:
    path = reverse("accounts:register")
    assert CERTIFICATE_FILE_MAX < body_limit(path) == REGISTRATION_BODY < 2 * 1024 * 1024
    html = Client().get(path).content.decode()
    with translation.override("zh-hans"):
        assert f"不超过 {filesizeformat(CERTIFICATE_FILE_MAX)}" in html
    assert 'accept=".cer,.crt,.pem,.der,' in html


def test_a_certificate_file_too_large_is_refused_in_chinese_and_changes_nothing() -> None:
    default_centre()
    before = _count()
    data = form(make_uscc())
    data["certificate"] = SimpleUploadedFile("org.cer", b"0" * (CERTIFICATE_FILE_MAX + 1))
    response = Client().post(reverse("accounts:register"), data)
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert f"证书文件不得超过 {filesizeformat(CERTIFICATE_FILE_MAX)}" in response.content.decode()
    assert _count() == before
    # above the page's body limit: refused before the page reads anything
    data["certificate"] = SimpleUploadedFile("org.cer", b"0" * REGISTRATION_BODY)
    response = Client().post(reverse("accounts:register"), data)
    assert response.status_code == 413
    with translation.override("zh-hans"):
        assert str(CoreError.PAYLOAD_TOO_LARGE.message) in response.content.decode()
    assert _count() == before
