"""A third-party bid tool submits through the open protocol (standard 8.1.4): tuspy — the tus project's
Python client, written by others, knowing nothing of ggzy — uploads a sealed bid to the platform's tus 1.0
endpoint in chunks with a bearer token, and the bid is received exactly as `ggzy-bid submit`'s would be
(tests/sealing/test_submit_live.py). What ggzy adds to the protocol is only data: the section, the file
name and the custodians' acknowledgements in Upload-Metadata (docs/submission.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError

from ggzy.accounts.services import token_create
from ggzy.sealing.models import SealedBid, UploadSession
from tests.sealing.conftest import Stage

pytestmark = pytest.mark.django_db(transaction=True)


def _uploader(stage: Stage, live_server: Any, path: Path, raw: str, acks: Any) -> Any:
    tus = tus_client.TusClient(
        f"{live_server.url}/api/v1/sealing/uploads/", headers={"Authorization": f"Bearer {raw}"}
    )
    metadata = {
        "section": stage.section.code,
        "filename": path.name,
        "acknowledgements": json.dumps(acks, ensure_ascii=False, separators=(",", ":")),
    }
    return tus.uploader(file_path=str(path), chunk_size=256 * 1024, metadata=metadata)


@pytest.mark.clause("8.1.4")
@pytest.mark.clause("8.1.3")
def test_a_third_party_tus_client_submits_a_sealed_bid(
    stage: Stage, live_server: Any, tmp_path: Path
) -> None:
    bidder = stage.bidders[0]
    big = tmp_path / "技术标.pdf"  # several chunks
    big.write_bytes(b"%PDF-1.7 " + bytes(range(256)) * 4000)
    path = stage.seal(bidder, "third-party", documents=[big])
    _token, raw = token_create(user=bidder.user, name="第三方投标工具", days=1, scopes=["sealing:write"])
    uploader = _uploader(stage, live_server, path, raw, stage.register(path))
    uploader.upload()
    bid = SealedBid.objects.get(organisation=bidder.organisation)
    assert bid.state == "received"
    assert bid.receipt
    assert (Path(settings.MEDIA_ROOT) / bid.file).read_bytes() == path.read_bytes()
    session = UploadSession.objects.get()
    assert (session.state, session.bid) == ("complete", bid)
    assert uploader.url.endswith(f"/{session.uid}/")


def test_a_third_party_client_without_acknowledgements_gets_the_refusal_and_leaves_nothing(
    stage: Stage, live_server: Any, tmp_path: Path
) -> None:
    bidder = stage.bidders[0]
    path = stage.seal(bidder, "no-acks")
    _token, raw = token_create(user=bidder.user, name="第三方投标工具", days=1, scopes=["sealing:write"])
    uploader = _uploader(stage, live_server, path, raw, [])
    with pytest.raises(TusCommunicationError) as refused:
        uploader.upload()
    assert refused.value.status_code == 422  # the bid refused at its last byte, said in Chinese
    said = json.loads(refused.value.response_content)
    assert said["detail"]["reason"] == "acknowledgements"
    assert "保管" in said["message"], said
    assert not SealedBid.objects.exists()
    assert not list((Path(settings.MEDIA_ROOT) / "sealing").rglob("*.bid"))
