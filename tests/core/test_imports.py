"""The import contracts in pyproject.toml (`lint-imports`, run by `make lint`) hold, and each one fails
on the import it exists to forbid: planted in a copy of the real import graph, every such import breaks
its contract."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import api as importlinter_api  # configures import-linter
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
CONTRACT_TYPES: dict[str, Any] = {
    "layers": LayersContract,
    "forbidden": ForbiddenContract,
    "acyclic_siblings": AcyclicSiblingsContract,
}


@pytest.fixture(scope="module")
def configuration() -> dict[str, Any]:
    return importlinter_api.read_configuration(str(PYPROJECT))


@pytest.fixture(scope="module")
def graph(configuration: dict[str, Any]) -> grimp.ImportGraph:
    session = configuration["session_options"]
    return grimp.build_graph(
        *session["root_packages"],
        include_external_packages=str(session.get("include_external_packages")).lower() == "true",
        cache_dir=None,
    )


def kept(configuration: dict[str, Any], graph: grimp.ImportGraph, contract_id: str) -> bool:
    [options] = [c for c in configuration["contracts_options"] if c["id"] == contract_id]
    contract = CONTRACT_TYPES[options["type"]](
        name=options["name"], session_options=configuration["session_options"], contract_options=options
    )
    return bool(contract.check(copy.deepcopy(graph), verbose=False).kept)


def test_every_contract_is_kept(configuration: dict[str, Any], graph: grimp.ImportGraph) -> None:
    ids = [c["id"] for c in configuration["contracts_options"]]
    assert ids == ["layers", "acyclic-apps", "packages-alone", "crypto-in-sm"]
    assert [i for i in ids if not kept(configuration, graph, i)] == []


@pytest.mark.parametrize(
    ("importer", "imported", "contract_id"),
    [
        # the kernel reaching up for the project's API (the import this contract replaced; even lazily)
        ("ggzy.core.access", "ggzy.api", "layers"),
        ("ggzy.core.checks", "ggzy.accounts.selectors", "layers"),  # core importing an app
        ("ggzy.sealing.services", "ggzy.demo.custodians", "layers"),  # an app importing the demo
        ("ggzy.events.services", "ggzy.accounts.models", "layers"),  # events under accounts
        ("ggzy.accounts.parties", "ggzy.registry.models", "layers"),  # accounts under the trading apps
        ("ggzy.registry.services", "ggzy.ops.services", "layers"),  # a trading app under ops
        # a cycle between two trading apps (sealing imports registry already)
        ("ggzy.registry.services", "ggzy.sealing.services", "acyclic-apps"),
        ("ggzy_sm.canonical", "ggzy.core.clock", "packages-alone"),  # a package importing the platform
        ("ggzy_bid.cli", "django", "packages-alone"),
        ("ggzy.certs.services", "cryptography", "crypto-in-sm"),  # crypto outside ggzy_sm
    ],
)
def test_each_contract_fails_on_the_import_it_forbids(
    configuration: dict[str, Any], graph: grimp.ImportGraph, importer: str, imported: str, contract_id: str
) -> None:
    planted = copy.deepcopy(graph)
    planted.add_import(importer=importer, imported=imported, line_number=1, line_contents="import x")
    assert kept(configuration, graph, contract_id)
    assert not kept(configuration, planted, contract_id)
