"""The one page action (`core.pages.page_action`): a success is its message and a redirect, a refusal is an
error message on the page it came from (or the form again), access refusals and "not found" are the error
page, and it opens no transaction of its own."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from ggzy.core.errors import CoreError, DomainError
from ggzy.core.pages import form_again, page_action
from ggzy.registry.errors import RegistryError

pytestmark = pytest.mark.django_db


def post() -> HttpRequest:
    request = RequestFactory().post("/somewhere/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def refuse(error: DomainError) -> Any:
    def run() -> Any:
        raise error

    return run


def test_a_success_is_its_message_and_a_redirect() -> None:
    request = post()
    response = page_action(request, lambda: 7, success=lambda n: f"done {n}", to=lambda n: f"/things/{n}/",
                           failure="/back/")  # fmt: skip
    assert (response.status_code, response["Location"]) == (302, "/things/7/")
    assert said(request) == [("success", "done 7")]


def test_a_success_may_be_a_page_of_its_own_or_say_nothing() -> None:
    request = post()
    page = page_action(request, lambda: "s3cret", success=HttpResponse, to="/back/")
    assert page.content == b"s3cret"
    quiet = page_action(request, lambda: None, success=None, to="/back/")
    assert quiet["Location"] == "/back/"
    assert said(request) == []


@pytest.mark.parametrize("code", [RegistryError.STATE, RegistryError.NOT_HANDLER, RegistryError.FILE_TYPE])
def test_a_refusal_is_an_error_message_on_the_page_it_came_from(code: RegistryError) -> None:
    """409, 403 (a business rule, not the access layer) and 422 alike."""
    request = post()
    response = page_action(request, refuse(DomainError(code)), success="never", to="/back/")
    assert (response.status_code, response["Location"]) == (302, "/back/")
    assert said(request) == [("error", str(code.message))]


def test_a_refused_form_is_shown_again_with_the_refusal_explained() -> None:
    request = post()
    form = forms.Form(data={})
    form.is_valid()
    response = page_action(
        request,
        refuse(DomainError(RegistryError.INCOMPLETE, detail={"items": ["x"]})),
        success="never",
        to="/next/",
        failure=form_again(form, lambda: HttpResponse("again", status=400)),
        explain=lambda error: f"{error.code.value}: {error.detail['items'][0]}",
    )
    assert (response.status_code, response.content) == (400, b"again")
    assert form.non_field_errors() == ["incomplete: x"]
    assert said(request) == []


def test_not_found_and_access_refusals_are_the_error_page() -> None:
    for error in (DomainError(CoreError.NOT_FOUND), DomainError.refused(CoreError.FORBIDDEN)):
        with pytest.raises(DomainError) as caught:
            page_action(post(), refuse(error), success="never", to="/back/")
        assert caught.value is error


def test_it_opens_no_transaction_of_its_own() -> None:
    outside = list(connection.savepoint_ids)
    seen: list[list[str]] = []
    page_action(post(), lambda: seen.append(list(connection.savepoint_ids)), success=None, to="/back/")
    assert seen == [outside]


def test_a_redirect_made_from_the_result_needs_a_place_for_the_refusal() -> None:
    with pytest.raises(TypeError, match="failure"):
        page_action(post(), lambda: 1, success=None, to=lambda n: f"/{n}/")


class _Reason(forms.Form):
    reason = forms.CharField(min_length=4)


def test_an_invalid_form_is_refused_before_the_service_runs() -> None:
    ran: list[int] = []
    request = post()
    response = page_action(
        request, lambda: ran.append(1), success="done", to="/back/", form=_Reason({"reason": "x"}),
        invalid="Give the reason.",
    )  # fmt: skip
    assert (response.status_code, response["Location"], ran) == (302, "/back/", [])
    assert said(request) == [("error", "Give the reason.")]
    first_error = post()
    page_action(first_error, lambda: ran.append(1), success="done", to="/back/", form=_Reason({}))
    assert ran == []
    (level, text), *_rest = said(first_error)
    assert level == "error"
    assert text  # the form's own first error
    valid = post()
    lost = _Reason({"reason": "lost phone"})
    page_action(valid, lambda: ran.append(1), success="done", to="/back/", form=lost)
    assert ran == [1]
    assert said(valid) == [("success", "done")]
