"""What the standard asks of each room (GB/T 公共资源交易平台服务标准, chapter 7): the functional area it
belongs to and the equipment it **must** have (应) as distinct from what it may have (有条件的可, 有必要的可,
宜), with the clause that says so — and the one room that must **not** have something (7.4.7: the experts'
rest room of the overnight evaluation area offers no outside telephone line and no network).

A booking is refused only for a room that lacks a mandatory item (or has a forbidden one) in working order;
an optional item is shown, never required. Each purpose a room can be booked for (6.3.2) names the room
types that serve it, with the standard's allowances: a large opening room may serve as an auction hall or a
bidding room, a small one as a negotiation room (7.3.4); a small evaluation room as a negotiation,
consultation or inquiry room (7.4.5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Area(models.TextChoices):
    """The functional areas (7.1.2)."""

    PUBLIC = "public", _("Public service area")  # 公共服务区 (7.2)
    TRADING = "trading", _("Trading area")  # 交易实施区 (7.3)
    EVALUATION = "evaluation", _("Evaluation area")  # 评标评审区 (7.4), inside the gate
    ADJACENT = "adjacent", _("Beside the evaluation area")  # 门禁以外相邻区域 (7.4.8)
    OFFICE = "office", _("Office area")  # 办公区 (7.5)


class RoomType(models.TextChoices):
    OPENING = "opening", _("Bid opening room")  # 开标室
    NEGOTIATION = "negotiation", _("Negotiation room")  # 谈判室
    BIDDING = "bidding", _("Bidding room")  # 竞价室
    AUCTION = "auction", _("Auction hall")  # 拍卖厅
    CLARIFICATION = "clarification", _("Clarification room")  # 澄清室
    EVALUATION = "evaluation", _("Evaluation room")  # 评标（评审）室
    INQUIRY = "inquiry", _("Inquiry room")  # 询标室
    CONSULTATION = "consultation", _("Consultation room")  # 磋商室
    TRANSFER = "transfer", _("Document transfer room")  # 资料中转室
    OVERNIGHT = "overnight", _("Overnight evaluation rest room")  # 隔夜评标区 专家休息室
    DUTY = "duty", _("Duty room")  # 值班室
    SUPERVISION = "supervision", _("Supervision room")  # 监督室
    EXPERT_DRAW = "expert_draw", _("Expert draw room")  # 专家抽取室
    SAMPLES = "samples", _("Sample display room")  # 样品展示室
    SERVICE_DESK = "service_desk", pgettext_lazy("room", "Service desk")  # 咨询服务台 / 服务台
    ARCHIVE = "archive", _("Archive room")  # 档案室
    MEETING = "meeting", _("Meeting room")  # 会议室


class Item(models.TextChoices):
    """Equipment and facilities the standard names."""

    SEATS = "seats", _("Tables and chairs")
    COMPUTER = "computer", _("Computer")
    PRINTER = "printer", _("Printer")
    SOUND = "sound", _("Sound system")
    DISPLAY = "display", _("Display (projector or television)")
    CLOCK = "clock", _("Time display")
    TRANSFER_TOOLS = "transfer_tools", _("Document transfer tools")
    DECRYPTOR = "decryptor", _("Bid decryption machine")
    CAMERA = "camera", _("Audio and video monitoring")
    VOICE_CHANGER = "voice_changer", _("Voice link through a voice changer")
    IMAGE_LINK = "image_link", _("Computer linked to the image display")
    CLARIFICATION_AUDIO = "clarification_audio", _("Audio link to the clarification room")
    BOOTHS = "booths", _("Booths for independent electronic evaluation")
    DESKTOP_MONITOR = "desktop_monitor", _("Desktop monitoring")
    REMOTE_SEATS = "remote_seats", _("Remote evaluation seats")
    SHELVES = "shelves", _("Archive shelves and cabinets")
    ANTI_THEFT = "anti_theft", _("Anti-theft protection")
    TELEVISION = "television", _("Television")
    BED = "bed", _("Bed")
    SOFA = "sofa", _("Sofa")
    WARDROBE = "wardrobe", _("Wardrobe")
    CALL_BUTTON = "call_button", _("Call button")
    BATHROOM = "bathroom", _("Private bathroom")
    OUTSIDE_PHONE = "outside_phone", _("Outside telephone line")
    NETWORK = "network", _("Network access")
    RECORDED_PHONE = "recorded_phone", _("Recorded telephone")
    FIRST_AID = "first_aid", _("First-aid kit")
    WALL_SCREEN = "wall_screen", _("Monitoring wall screen")
    MONITOR = "monitor", pgettext_lazy("equipment", "Monitoring display")
    DIRECT_VOICE = "direct_voice", _("Direct voice link to the evaluation rooms")
    DRAW_TERMINAL = "draw_terminal", _("Expert draw terminal")
    LOOKUP_COMPUTER = "lookup_computer", _("Computer for the designated websites")


@dataclass(frozen=True)
class Needs:
    """A room type's area and items: `must` (应), `may` (可, 宜, 有条件的), `never` (不得), each with the
    clauses that say so."""

    area: Area
    must: tuple[Item, ...]
    may: tuple[Item, ...]
    never: tuple[Item, ...]
    clauses: tuple[str, ...]


_TRADING_ROOM = (Item.CAMERA,)  # 7.3.2: 设置音视频监控系统，对……全过程进行录音录像

NEEDS: dict[str, Needs] = {
    RoomType.OPENING: Needs(
        Area.TRADING,
        (
            *_TRADING_ROOM, Item.SEATS, Item.COMPUTER, Item.PRINTER, Item.SOUND, Item.DISPLAY, Item.CLOCK,
            Item.TRANSFER_TOOLS,
        ),
        (Item.DECRYPTOR,),
        (),
        ("7.3.2", "7.3.3"),
    ),
    RoomType.NEGOTIATION: Needs(Area.TRADING, (*_TRADING_ROOM, Item.SEATS), (), (), ("7.3.1", "7.3.2")),
    RoomType.BIDDING: Needs(Area.TRADING, (*_TRADING_ROOM, Item.SEATS), (), (), ("7.3.1", "7.3.2")),
    RoomType.AUCTION: Needs(Area.TRADING, (*_TRADING_ROOM, Item.SEATS), (), (), ("7.3.1", "7.3.2")),
    RoomType.CLARIFICATION: Needs(
        Area.TRADING, (*_TRADING_ROOM, Item.VOICE_CHANGER, Item.IMAGE_LINK), (), (), ("7.3.2", "7.3.5")
    ),
    RoomType.EVALUATION: Needs(
        Area.EVALUATION,
        (Item.CAMERA, Item.COMPUTER, Item.PRINTER, Item.DISPLAY),
        (Item.CLARIFICATION_AUDIO, Item.BOOTHS, Item.DESKTOP_MONITOR, Item.REMOTE_SEATS),
        (),
        ("7.4.4", "7.4.5"),
    ),
    RoomType.INQUIRY: Needs(Area.EVALUATION, (Item.CAMERA,), (), (), ("7.4.3", "7.7.2")),
    RoomType.CONSULTATION: Needs(Area.EVALUATION, (Item.CAMERA,), (), (), ("7.4.3", "7.7.2")),
    RoomType.TRANSFER: Needs(Area.EVALUATION, (Item.CAMERA, Item.SHELVES), (), (), ("7.4.6",)),
    RoomType.SERVICE_DESK: Needs(
        Area.EVALUATION, (Item.RECORDED_PHONE, Item.LOOKUP_COMPUTER), (), (), ("7.4.6",)
    ),
    RoomType.OVERNIGHT: Needs(
        Area.EVALUATION,
        (
            Item.TELEVISION, Item.CLOCK, Item.BED, Item.SOFA, Item.SEATS, Item.WARDROBE, Item.CALL_BUTTON,
            Item.BATHROOM,
        ),
        (),
        (Item.OUTSIDE_PHONE, Item.NETWORK),
        ("7.4.7",),
    ),
    RoomType.DUTY: Needs(
        Area.EVALUATION,
        (Item.RECORDED_PHONE, Item.FIRST_AID, Item.COMPUTER, Item.PRINTER),
        (),
        (),
        ("7.4.7",),
    ),
    RoomType.SUPERVISION: Needs(
        Area.ADJACENT,
        (Item.CAMERA, Item.WALL_SCREEN, Item.MONITOR, Item.DIRECT_VOICE, Item.COMPUTER, Item.PRINTER),
        (),
        (),
        ("7.4.8",),
    ),
    RoomType.EXPERT_DRAW: Needs(
        Area.ADJACENT, (Item.CAMERA, Item.DRAW_TERMINAL, Item.COMPUTER, Item.PRINTER), (), (), ("7.4.8",)
    ),
    RoomType.SAMPLES: Needs(Area.PUBLIC, (Item.CAMERA, Item.ANTI_THEFT), (), (), ("7.2.7",)),
    RoomType.ARCHIVE: Needs(Area.OFFICE, (Item.SHELVES,), (), (), ("7.5.1", "7.5.2")),
    RoomType.MEETING: Needs(Area.OFFICE, (), (Item.DISPLAY,), (), ("7.5.1",)),
}  # fmt: skip


class Purpose(models.TextChoices):
    """What a room is booked for (6.3.2)."""

    OPENING = "opening", _("Bid opening")
    EVALUATION = "evaluation", _("Evaluation")
    CLARIFICATION = "clarification", _("Clarification")
    OVERNIGHT = "overnight", _("Overnight evaluation")
    NEGOTIATION = "negotiation", _("Negotiation or consultation")
    BIDDING = "bidding", _("Bidding or auction")


#: The room types that serve each purpose, best first (7.3.4, 7.4.5: the rooms that may double).
SERVES: dict[str, tuple[RoomType, ...]] = {
    Purpose.OPENING: (RoomType.OPENING,),
    Purpose.EVALUATION: (RoomType.EVALUATION,),
    Purpose.CLARIFICATION: (RoomType.CLARIFICATION,),
    Purpose.OVERNIGHT: (RoomType.OVERNIGHT,),
    Purpose.NEGOTIATION: (
        RoomType.NEGOTIATION, RoomType.CONSULTATION, RoomType.INQUIRY, RoomType.EVALUATION, RoomType.OPENING,
    ),
    Purpose.BIDDING: (RoomType.BIDDING, RoomType.AUCTION, RoomType.OPENING),
}  # fmt: skip

#: A room of a type that doubles for a purpose does so only at its size: a *small* opening or evaluation
#: room serves a negotiation (at most this many seats), a *large* opening room an auction or bidding (at
#: least this many).
SMALL_ROOM = 20
LARGE_ROOM = 60


def lacking(room_type: str, listed: Iterable[tuple[str, bool]]) -> tuple[list[str], list[str]]:
    """The mandatory items a room of `room_type` lacks in working order and the forbidden items it has,
    given its inventory as (item, working) pairs — the rule a booking is refused by, and what the pages
    show."""
    listed = list(listed)
    working = {item for item, ok in listed if ok}
    present = {item for item, _ok in listed}
    needs = NEEDS[room_type]
    return [str(i) for i in needs.must if i not in working], [str(i) for i in needs.never if i in present]


def serves(room_type: str, capacity: int, purpose: str) -> bool:
    """Whether a room of `room_type` and `capacity` serves `purpose` (7.3.4, 7.4.5)."""
    if room_type not in SERVES.get(purpose, ()):
        return False
    if purpose == Purpose.NEGOTIATION and room_type in (RoomType.OPENING, RoomType.EVALUATION):
        return capacity <= SMALL_ROOM
    if purpose == Purpose.BIDDING and room_type == RoomType.OPENING:
        return capacity >= LARGE_ROOM
    return True


class InspectionKind(models.TextChoices):
    """What a dated self-inspection checks (7.1.4, 7.6, 7.7, 7.8, 7.9.2; security checks 9.1.1)."""

    CLEANLINESS = "cleanliness", _("Cleanliness and order")  # 7.1.4
    SIGNAGE = "signage", _("Signage")  # 7.6.1, 7.6.2, 7.6.4
    MONITORING = "monitoring", _("Monitoring coverage")  # 7.2.8, 7.7.1, 7.7.3
    FIRE = "fire", _("Fire safety and evacuation")  # 7.6.4, 7.8.2
    ACCESSIBILITY = "accessibility", _("Accessibility")  # 7.8.3
    EQUIPMENT = "equipment", _("Equipment in use")  # 7.9.2
    SECURITY = "security", _("Security check")  # 9.1.1


#: The points each inspection kind checks (the checklist a staff member ticks), with the clause.
CHECKLISTS: dict[str, tuple[tuple[str, str], ...]] = {
    InspectionKind.CLEANLINESS: (
        ("7.1.4", "场所清洁卫生"), ("7.1.4", "设施设备正常使用"), ("7.1.4", "公共秩序"),
    ),
    InspectionKind.SIGNAGE: (
        ("7.6.1", "导向、门牌、禁止和安全标识清晰"), ("7.6.1", "楼层导向图与功能分区平面图"),
        ("7.6.1", "主入口工作时间公示牌"), ("7.6.4", "疏散指示标志醒目、无遮拦"),
    ),
    InspectionKind.MONITORING: (
        ("7.2.8", "公共区域 24 小时监控运行"), ("7.7.2", "开标室、评标室全覆盖无死角，音像同步"),
        ("7.7.3", "楼梯口、电梯出入口覆盖"),
    ),
    InspectionKind.FIRE: (
        ("7.8.2", "消防设施完好"), ("7.6.4", "疏散通道、楼梯、安全出口通畅"), ("7.8.2", "灭火器在有效期内"),
    ),
    InspectionKind.ACCESSIBILITY: (("7.8.3", "无障碍设施可用"), ("7.8.3", "安全通道有效")),
    InspectionKind.EQUIPMENT: (("7.9.2", "设施设备运行良好"), ("7.9.2", "使用记录完整")),
    InspectionKind.SECURITY: (
        ("9.1.1", "安全保卫人员在岗"), ("9.1.1", "出入口管控"), ("9.1.1", "重点部位巡查"),
    ),
}  # fmt: skip
