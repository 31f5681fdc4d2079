"""The CA pages take certificate files and CRLs: each page says its limit, and the request-body limit of
each is the one it declares (a CRL up to its 20 MB, a CA's certificates a couple of MB)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ggzy.certs.forms import CA_ADD_BODY, CERT_MAX_BYTES, CRL_BODY, CRL_MAX_BYTES
from ggzy.core.limits import body_limit
from ggzy.core.roles import Role

pytestmark = pytest.mark.django_db


def test_the_ca_pages_declare_and_state_their_limits(client_as: Callable[..., Client]) -> None:
    assert body_limit(reverse("certs:ca-add")) == CA_ADD_BODY
    assert body_limit(reverse("certs:ca-crl-upload", args=[uuid.uuid4()])) == CRL_BODY > CRL_MAX_BYTES
    html = client_as(Role.SYSTEM_ADMIN).get(reverse("certs:ca-add")).content.decode()
    with translation.override("zh-hans"):
        assert f"每个文件不超过 {filesizeformat(CERT_MAX_BYTES)}" in html
        assert f"所有文件合计不超过 {filesizeformat(CA_ADD_BODY)}" in html
    assert 'accept=".cer,.crt,.pem,.der,' in html


def test_the_crl_form_states_its_limit() -> None:
    from ggzy.certs.forms import CrlUploadForm

    with translation.override("zh-hans"):
        form = CrlUploadForm()
        assert f"不超过 {filesizeformat(CRL_MAX_BYTES)}" in str(form["crl"].help_text)
    assert form.fields["crl"].widget.attrs["accept"].startswith(".crl")
