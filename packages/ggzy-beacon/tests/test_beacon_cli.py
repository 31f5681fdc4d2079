"""`ggzy-beacon` as its operators run it: init, key, trust, show and serve each in a process of its own
(serve on the system clock: port 0, the "serving on" line, SIGTERM) — a whole draw with the platform's
commitment and the beacon's, the withheld draw, and `show` before and after the reveal — and the
refusals of `show`, through `main(argv)`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beacon_world import (
    DRAW,
    NAME,
    SUBJECT,
    WRONG_PASSPHRASE,
    beacon,
    call,
    commit,
    init,
    make_folder,
    platform_commitment,
    reveal,
    served,
    verify,
)
from ggzy_beacon import state
from ggzy_beacon.cli import main
from ggzy_sm import randomness


def test_init_key_and_trust(tmp_path: Path) -> None:
    first = init(tmp_path / "one")
    second = init(tmp_path / "two", "随机数信标乙（模拟）")
    assert json.loads((tmp_path / "one" / "public.json").read_text("utf-8")) == {
        "format": "ggzy-beacon-public-v1",
        "name": NAME,
        "key": first.hex(),
    }
    assert (tmp_path / "one" / "beacon.key").stat().st_mode & 0o077 == 0
    assert beacon("key", "--dir", str(tmp_path / "one")).stdout.strip() == first.hex()
    again = beacon("init", "--dir", str(tmp_path / "one"), "--name", "x", "--iterations", "1000")
    assert again.returncode == 1  # a key is never replaced
    assert beacon("key", "--dir", str(tmp_path / "one")).stdout.strip() == first.hex()
    assert beacon("key", "--dir", str(tmp_path / "nowhere")).returncode == 2

    trust = tmp_path / "trust.json"
    made = beacon(
        "trust", "--out", str(trust), f"b1={tmp_path / 'one'}", f"b2={tmp_path / 'two' / 'public.json'}"
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(trust.read_text("utf-8")) == {
        "format": "ggzy-beacon-trust-v1",
        "beacons": {
            "b1": {"name": NAME, "key": first.hex()},
            "b2": {"name": "随机数信标乙（模拟）", "key": second.hex()},
        },
    }
    twice = beacon("trust", "--out", str(trust), f"b1={tmp_path / 'one'}", f"b1={tmp_path / 'two'}")
    assert twice.returncode == 1


def test_a_draw_served_by_a_process_of_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "beacon"
    key = init(folder)
    with served(folder, "--test-controls") as url:
        second = beacon("serve", "--dir", str(folder), "--port", "0")
        assert second.returncode == 2
        assert "in use" in second.stderr
        status, reply = call(url, "/v1/commit", commit())
        assert status == 200
        own = verify(reply, key, "commitment")["commitment"]
        shown = beacon("show", "--dir", str(folder), DRAW)  # while served, no passphrase
        assert shown.returncode == 0, shown.stderr
        before = json.loads(shown.stdout)
        assert (before["commitment"], before["subject"], before["secret"]) == (own, SUBJECT, None)

        commitments = [platform_commitment(), own]
        status, reply = call(url, "/v1/reveal", reveal(commitments))
        assert status == 200
        body = verify(reply, key, "reveal")
        assert randomness.commitment(DRAW, key.hex(), body["secret"]) == own
        status, reply = call(url, f"/v1/draws/{DRAW}")
        assert verify(reply, key, "status")["secret"] == body["secret"]
        after = json.loads(beacon("show", "--dir", str(folder), DRAW).stdout)
        revealed = {"revealed_at": body["revealed_at"], "secret": body["secret"]}
        assert after == {**before, **revealed, "commitments_hash": randomness.commitments_hash(commitments)}
        assert after == {k: v for k, v in verify(reply, key, "status").items() if k != "format"}

        # a beacon that never reveals (the fallback's tests)
        other = verify(call(url, "/v1/commit", commit("d2"))[1], key, "commitment")["commitment"]
        assert call(url, "/v1/admin/withhold", {"draw": "d2"}) == (200, {"withheld": "d2"})
        status, reply = call(url, "/v1/reveal", reveal([other, platform_commitment("d2")], "d2"))
        assert (status, reply["reason"]) == (503, "unavailable")
        assert call(url, "/health")[1]["draws"] == 2
        assert call(url, "/health")[1]["revealed"] == 1
    with served(folder) as url:  # restarted: the draws kept, the test controls gone
        assert call(url, "/v1/admin/withhold", {"draw": "d2"})[0] == 404
        status, reply = call(url, "/v1/reveal", reveal([other, platform_commitment("d2")], "d2"))
        assert status == 200
        assert verify(reply, key, "reveal")["commitment"] == other


def test_serve_refuses_to_start_without_a_folder_or_with_a_wrong_passphrase(tmp_path: Path) -> None:
    assert beacon("serve", "--dir", str(tmp_path / "nowhere"), "--port", "0").returncode == 2
    init(tmp_path / "beacon")
    wrong = beacon("serve", "--dir", str(tmp_path / "beacon"), "--port", "0", passphrase=WRONG_PASSPHRASE)
    assert wrong.returncode == 2
    assert "refusing to start" in wrong.stderr


def test_show_refuses_an_unknown_draw_a_folder_that_is_none_and_a_broken_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "beacon"
    make_folder(folder)
    assert main(["show", "--dir", str(folder), DRAW]) == 1
    assert "holds no draw" in capsys.readouterr().err
    assert main(["show", "--dir", str(tmp_path / "nowhere"), DRAW]) == 2
    (folder / state.DRAWS).write_text("{nope", "utf-8")
    assert main(["show", "--dir", str(folder), DRAW]) == 2
    assert "draws.json" in capsys.readouterr().err
