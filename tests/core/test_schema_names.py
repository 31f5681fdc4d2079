"""Every API schema class has a name of its own. The OpenAPI document names each schema by its class
name, so two classes of one name become one component: the second silently replaces the first in the
document, and clients (and the schemathesis test) read the wrong rules for one of them — a venues
`ReasonIn` once gave the accounts' reason its shorter minimum."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_no_two_api_schemas_share_a_name() -> None:
    import ggzy.api  # noqa: F401  (imports every app's API and its schemas)

    by_name: dict[str, list[str]] = defaultdict(list)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("ggzy."):
            by_name[cls.__name__].append(cls.__module__)
    assert {name: mods for name, mods in by_name.items() if len(mods) > 1} == {}
