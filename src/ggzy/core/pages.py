"""The one way a page runs a service: `page_action` (docs/architecture.md, "The one page action").

A page that changes something takes its POST in three steps:

1. fetch and authorise what it acts on with the owner app's `access_<entity>(viewer=..., id=...)`
   selector — "missing" and "not yours" raise the same not-found error, the one 404 page;
2. check its form (an invalid form is the view's own business: a message, or the form again);
3. hand one call of one service to `page_action`, which runs it and answers.

`page_action` opens no transaction: the service owns its transaction (`ATOMIC_REQUESTS` is off). The
decision, once for every page: **a refused page action is an error message on the page it came from** —
the browser is sent back there with the refusal as an error message, or (for a form) the form is rendered
again with the refusal as its error. Two kinds of `DomainError` are not refusals of the action and pass
through to the one error page: a refusal by the access layer (403, `X-Ggzy-Refused: access`) and "not
found" (404: the address names nothing the viewer may reach, the same answer for missing and not yours).
A success is a success message and a redirect (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from ggzy.core.errors import DomainError

T = TypeVar("T")
NOT_FOUND_STATUS = 404


def refusal_message(error: DomainError) -> str:
    """A refusal in words: its message, with what its detail names filled in (`DomainError.text`)."""
    return error.text()


def passes_through(error: DomainError) -> bool:
    """True for an error that is the error page, not a refusal of the action: access or not found."""
    return error.access_refusal or error.status == NOT_FOUND_STATUS


def page_action(
    request: HttpRequest,
    run: Callable[[], T],
    *,
    success: str | Callable[[T], str | HttpResponse] | None,
    to: str | Callable[[T], str],
    failure: str | Callable[[str], HttpResponse] | None = None,
    explain: Callable[[DomainError], str] = refusal_message,
    form: BaseForm | None = None,
    invalid: str | Callable[[BaseForm], str] | None = None,
) -> HttpResponse:
    """Run `run` (one call of one service, returning its result) and answer the page's POST.

    - `success`: the success message, or a function of the result making it; such a function may instead
      return a whole response, shown as it is (a secret shown once); None: no message.
    - `to`: where a success redirects — a URL or a URL name, or a function of the result making one.
    - `failure`: where a refusal is shown — a URL to redirect back to with the refusal as an error message
      (default: `to`, when that is a string), or a function of the refusal's words that renders the page
      again (`form_again`).
    - `explain`: the refusal in words (default: its message).
    - `form`: the page's form, checked first: if it is not valid, `run` is not called and the page
      answers as for a refusal, in the words of `invalid` (a text, or a function of the form making one;
      default: the form's first error).
    """
    if failure is None:
        if callable(to):
            raise TypeError("page_action: name `failure` when `to` is made from the result")
        failure = to
    if form is not None and not form.is_valid():
        return _refused(request, failure, _invalid_text(form, invalid))
    try:
        result = run()
    except DomainError as exc:
        if passes_through(exc):
            raise
        return _refused(request, failure, explain(exc))
    said = success(result) if callable(success) else success
    if isinstance(said, HttpResponse):
        return said
    if said:
        messages.success(request, said)
    return redirect(to(result) if callable(to) else to)


def _refused(request: HttpRequest, failure: str | Callable[[str], HttpResponse], text: str) -> HttpResponse:
    if callable(failure):
        return failure(text)
    messages.error(request, text)
    return redirect(failure)


def _invalid_text(form: BaseForm, invalid: str | Callable[[BaseForm], str] | None) -> str:
    if callable(invalid):
        return invalid(form)
    if invalid is not None:
        return str(invalid)
    return next((str(error) for errors in form.errors.values() for error in errors), "")


def form_again(form: BaseForm, page: Callable[[], HttpResponse]) -> Callable[[str], HttpResponse]:
    """A `failure` that adds the refusal to `form` as its error and renders the page again (`page()`,
    which answers 400)."""

    def show(text: str) -> HttpResponse:
        form.add_error(None, text)
        return page()

    return show
