"""`ggzy check` (and every management command) refuses to run with an endpoint whose access is
not declared, or a public endpoint missing from the reviewed allowlist."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from ggzy.core.access import problems, read_allowlist, walk_endpoints


@register("ggzy_access")
def access_declared(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(problem, hint="Declare @public, @signed_in or @allow(...) on the view", id="ggzy.E001")
        for problem in problems(walk_endpoints(), read_allowlist())
    ]
