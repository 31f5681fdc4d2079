"""What the ggzy-expertpool tests share (a unique module name: the suite has other conftest modules): the
pool's folder, the platform's two keys (it signs requests with one, reads lists with the other), experts
and organisation codes that pass their check characters, signed requests, a pool served in this process
and the platform's client of it."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ggzy_expertpool import client, records, service, state
from ggzy_sm import simulator, simulator_testing
from ggzy_sm.simulator import Config
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey

PASSPHRASE = "expert pool test passphrase"  # noqa: S105  (a test key file's passphrase)
ITERATIONS = 1000
NAME = "辽宁省综合评标专家库（模拟）"
PLATFORM = Sm2PrivateKey.generate()  # the platform's request key, pinned by the pool
PLATFORM_ENCRYPTION = Sm2PrivateKey.generate()  # the platform's encryption key, lists are encrypted to it
SPECIALTY = "B010203"  # 房屋建筑工程 (an example code)
OTHER = "C020101"
DAY = "2026-03-10"
EVALUATION_AT = "2026-03-10T01:30:00.000000Z"  # 09:30 in Shanghai
CONFIRM_BY = "2026-03-09T10:00:00.000000Z"
PLACE = "沈阳市公共资源交易中心 第三评标室"

Clock = simulator_testing.Clock
call = simulator_testing.call


def uscc(serial: int, area: str = "210100") -> str:
    """A unified social credit code passing both its check characters (GB 11714 and GB 32100)."""
    body = f"MA{serial:06d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = {c: v for v, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    check = 11 - sum(values[c] * w for c, w in zip(body, weights, strict=True)) % 11
    first17 = f"91{area}{body}{ {10: 'X', 11: '0'}.get(check, str(check)) }"
    return first17 + records.uscc_check_char(first17)


def id_number(serial: int) -> str:
    """An identity number passing its check character (born 1970-01-01 + serial days, in 210102)."""
    first17 = f"21010219{70 + serial // 365 % 20:02d}0101{serial % 1000:03d}"
    return first17 + records.id_check_char(first17)


def expert(serial: int, **overrides: Any) -> dict[str, Any]:
    """An active expert (as loaded) of SPECIALTY in Shenyang, available on DAY, employed by
    uscc(9000 + serial)."""
    record: dict[str, Any] = {
        "id": f"E{serial:05d}",
        "name": f"专家{serial:05d}",
        "id_number": id_number(serial),
        "phone": f"139{serial:08d}",
        "specialties": [SPECIALTY],
        "region": "210102",
        "title": "高级工程师",
        "employer": {"uscc": uscc(9000 + serial), "name": f"示例设计院{serial}", "from": "2015-07-01"},
        "history": [],
        "status": "active",
        "available": [DAY, "2026-03-11"],
    }
    record.update(overrides)
    return record


def make_folder(folder: Path, name: str = NAME, *, pinned: bool = True) -> Config:
    """A pool's folder, the platform's keys pinned."""
    config = state.KIND.init(folder, name, PASSPHRASE, iterations=ITERATIONS)
    if pinned:
        state.configure(
            folder, platform_key=PLATFORM.public_key, platform_encryption_key=PLATFORM_ENCRYPTION.public_key
        )
    return config


def load(folder: Path, experts: list[dict[str, Any]]) -> None:
    """Experts loaded into a pool that is not served."""
    pool = state.merge(state.load_pool(folder), records.batch_parse({"experts": experts}))
    state.write_pool(folder, pool)


def draw_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "request": secrets.token_hex(8),
        "centre": "sy",
        "evaluation": {"at": EVALUATION_AT, "place": PLACE},
        "procurement": False,
        "specialties": [{"specialty": SPECIALTY, "experts": 3, "reserves": 1}],
        "regions": {"within": [], "outside": []},
        "avoid": {"organisations": [], "persons": []},
        "confirm_by": CONFIRM_BY,
    }
    fields.update(overrides)
    return fields


def signed_by(key: Sm2PrivateKey, action: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A request for `action` signed by `key`, with a fresh nonce."""
    body = {"action": action, "nonce": secrets.token_hex(16), **copy.deepcopy(fields)}
    return simulator.signed(key, service.REQUEST, "request", body)


def request(action: str, fields: dict[str, Any]) -> dict[str, Any]:
    return signed_by(PLATFORM, action, fields)


def replace_fields(draw: str, seat: int, reason: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "request": secrets.token_hex(8),
        "draw": draw,
        "seat": seat,
        "reason": reason,
        "avoid": {"organisations": [], "persons": []},
    }
    fields.update(overrides)
    return fields


def pool_of(url: str, key: Sm2PublicKey, name: str = NAME) -> client.Pool:
    trust = {"format": client.TRUST_FORMAT, "pools": {"ln": {"name": name, "key": key.hex()}}}
    return client.pool_pinned(trust, "ln", url)


def platform_client(url: str, key: Sm2PublicKey, name: str = NAME) -> client.Client:
    """The platform's client of the pool at `url` whose key is `key`."""
    return client.Client(pool_of(url, key, name), PLATFORM, PLATFORM_ENCRYPTION)


def check(reply: dict[str, Any], key: Sm2PublicKey, action: str, nonce: str | None) -> client.Answer:
    """An answer checked as the platform checks it (raises PoolError otherwise)."""
    return client.answer_check(
        pool_of("http://pool", key), reply, PLATFORM_ENCRYPTION, action=action, nonce=nonce
    )


def ask(url: str, key: Sm2PublicKey, action: str, fields: dict[str, Any]) -> client.Answer:
    """A signed request sent to the pool, its answer checked (200 expected)."""
    path = service.DRAWS_PATH if action == "draw" else service.REPLACEMENTS_PATH
    asked = request(action, fields)
    status, reply = call(url, path, asked)
    assert status == 200, reply
    return check(reply, key, action, asked["request"]["nonce"])


def answer(
    url: str, draw: str, expert_id: str, reply: str, channel: str = "sms"
) -> tuple[int, dict[str, Any]]:
    """The expert's own reply to the pool's call (the test control)."""
    return call(
        url, service.ANSWERS_PATH, {"draw": draw, "expert": expert_id, "answer": reply, "channel": channel}
    )


@contextmanager
def serving(
    folder: Path, clock: Clock | None = None, *, test_controls: bool = True
) -> Iterator[tuple[str, service.ExpertPool]]:
    pool = service.ExpertPool.open(folder, PASSPHRASE, test_controls=test_controls)
    server = service.ExpertPoolServer(pool, port=0, clock=clock or Clock())
    server.start()
    try:
        yield server.url, pool
    finally:
        server.shutdown()
        server.server_close()
        pool.close()
