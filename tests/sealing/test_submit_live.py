"""`ggzy-bid submit` against the platform's real tus endpoint over HTTP (a live server): the bidder's own
Django-free client, speaking only the open protocol, gets its sealed bid received with its
acknowledgements, in several chunks, with a bearer token (issue 28's first slice)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from ggzy.accounts.services import token_create
from ggzy.sealing.models import SealedBid, UploadSession
from ggzy_bid.cli import main
from ggzy_sm import receipts, sealedbid
from tests.sealing.conftest import Stage

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_bidders_client_submits_through_the_open_protocol(
    stage: Stage, live_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bidder = stage.bidders[0]
    big = tmp_path / "施工组织设计.pdf"  # three chunks of 1 MiB
    big.write_bytes(b"%PDF-1.7 " + bytes(range(256)) * (10 * 1024))
    path = stage.seal(bidder, "live", documents=[big])
    acks = tmp_path / "acks.json"
    acks.write_text(json.dumps(stage.register(path)), encoding="utf-8")
    _token, raw = token_create(
        user=bidder.user, name="ggzy-bid", days=1, scopes=["sealing:read", "sealing:write"]
    )
    token = tmp_path / "token"
    token.write_text(raw, encoding="utf-8")
    status = main(
        [
            "submit", str(path), "--platform", live_server.url, "--acks", str(acks),
            "--token-file", str(token), "--chunk-mb", "1",
        ]
    )  # fmt: skip
    said = capsys.readouterr()
    assert status == 0, said.err
    bid = SealedBid.objects.get(organisation=bidder.organisation)
    assert str(bid.uid) in said.out
    assert bid.header == sealedbid.read(path).header
    assert (Path(settings.MEDIA_ROOT) / bid.file).read_bytes() == path.read_bytes()
    assert UploadSession.objects.get().state == "complete"
    assert raw not in said.out + said.err
    assert not Path(str(path) + ".upload.json").exists()
    # the signed receipt is kept beside the bid and checks out offline against the published keys
    kept = json.loads(Path(str(path) + ".receipt.json").read_text(encoding="utf-8"))
    keys = receipts.keys_parse(Client().get("/api/v1/sealing/receipt-keys").json())
    body = receipts.receipt_check(kept, keys)
    assert (body["bid"], body["ciphertext_sm3"]) == (str(bid.uid), bid.ciphertext_sm3)
