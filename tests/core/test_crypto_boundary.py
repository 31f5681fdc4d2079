"""Nothing outside packages/ggzy-sm imports a crypto library: one place to review, to certify
(GB/T 39786) and to swap an implementation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CRYPTO_MODULES = {
    "cryptography",
    "hashlib",
    "hmac",
    "gmssl",
    "gmssl_fast",
    "smcryptopy",
    "tongsuopy",
    "pysmx",
    "Crypto",
    "Cryptodome",
    "nacl",
    "ecdsa",
    "OpenSSL",
    "asn1crypto",
    "rsa",
    "jwt",
    "jose",
}
CHECKED = ["src", "clients", "scripts"]


def crypto_imports(root: Path) -> list[str]:
    found = []
    for folder in CHECKED:
        for path in sorted((root / folder).rglob("*.py")) if (root / folder).exists() else []:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                found += [
                    f"{path.relative_to(root)}:{node.lineno} imports {n}"
                    for n in names
                    if n.split(".")[0] in CRYPTO_MODULES
                ]
    return found


def test_no_crypto_library_outside_the_package() -> None:
    assert crypto_imports(ROOT) == []


def test_the_check_finds_one(tmp_path: Path) -> None:
    (tmp_path / "src" / "app").mkdir(parents=True)
    (tmp_path / "src" / "app" / "x.py").write_text(
        "import os\nfrom cryptography.hazmat import x\nimport hashlib as h\n"
    )
    assert crypto_imports(tmp_path) == [
        "src/app/x.py:2 imports cryptography.hazmat",
        "src/app/x.py:3 imports hashlib",
    ]


@pytest.mark.parametrize("module", ["ggzy_sm.sm2", "ggzy_sm.sm4", "ggzy_sm.stream"])
def test_the_package_itself_does_the_crypto(module: str) -> None:
    __import__(module)
