"""What follows an evaluation for each expert who sat on it (standard 6.8.7; docs/experts.md "Fees and
ratings"): the fee the centre records and exports, and the agent's rating of the expert's conduct — both
feed the expert's record (and later the credit library).

    fee_record(actor=staff, call=…, amount_fen=80000, hours=Decimal("4"), basis="…")
    rating_record(actor=agent_user, call=…, score=5, conduct="good", note="")
    fees_csv(centre="LN-SY", month=date(2026, 12, 1))  # one row per fee, the money in yuan.fen text
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import PLATFORM_ZONE, yuan
from ggzy.core.types import Actor
from ggzy.experts.errors import ExpertsError
from ggzy.experts.event_types import ExpertsEvents
from ggzy.experts.models import Call, Conduct, Fee, Rating
from ggzy.experts.services.draws import _record
from ggzy.experts.states import Answer

#: The most hours one fee may count (a day).
MOST_HOURS = Decimal(24)


def _after_evaluation(call: Call) -> None:
    if call.answer != Answer.ACCEPTED or clock.now() < call.request.evaluation_at:
        raise DomainError(ExpertsError.NOT_AFTER)


@transaction.atomic
def fee_record(*, actor: Actor, call: Call, amount_fen: object, hours: object, basis: str) -> Fee:
    """The fee of an expert who accepted the call, once the evaluation began; once per call."""
    call = Call.objects.select_for_update().select_related("request").get(pk=call.pk)
    try:
        counted = Decimal(str(hours))
    except InvalidOperation as exc:
        raise DomainError(ExpertsError.FEE_INVALID) from exc
    if (
        not isinstance(amount_fen, int)
        or isinstance(amount_fen, bool)
        or amount_fen <= 0
        or not Decimal(0) < counted <= MOST_HOURS
        or counted != counted.quantize(Decimal("0.1"))
        or not basis.strip()
    ):
        raise DomainError(ExpertsError.FEE_INVALID)
    _after_evaluation(call)
    if Fee.objects.filter(call=call).exists():
        raise DomainError(ExpertsError.RECORDED)
    try:
        with transaction.atomic():
            fee = Fee.objects.create(
                call=call,
                amount_fen=amount_fen,
                hours=counted,
                basis=basis.strip()[:200],
                recorded_by=actor,
                recorded_at=clock.now(),
            )
    except IntegrityError as exc:
        raise DomainError(ExpertsError.RECORDED) from exc
    _record(
        call.request,
        ExpertsEvents.FEE_RECORDED,
        actor,
        {"sequence": call.sequence, "amount_fen": amount_fen, "hours": str(counted)},
    )
    return fee


@transaction.atomic
def rating_record(*, actor: Actor, call: Call, score: object, conduct: str, note: str = "") -> Rating:
    """The agent's rating of an expert who sat on the evaluation (score 1–5, the conduct); once per call."""
    call = Call.objects.select_for_update().select_related("request").get(pk=call.pk)
    if (
        not isinstance(score, int)
        or isinstance(score, bool)
        or not 1 <= score <= 5  # noqa: PLR2004
        or conduct not in Conduct.values
    ):
        raise DomainError(ExpertsError.RATING_INVALID)
    _after_evaluation(call)
    if Rating.objects.filter(call=call).exists():
        raise DomainError(ExpertsError.RECORDED)
    rating = Rating.objects.create(
        call=call, score=score, conduct=conduct, note=note.strip()[:500], rated_by=actor, rated_at=clock.now()
    )
    _record(
        call.request,
        ExpertsEvents.RATED,
        actor,
        {"sequence": call.sequence, "score": score, "conduct": conduct},
    )
    return rating


FEES_HEADER = ("评标开始时间", "标段编号", "申请", "专业", "专家", "工时", "评审费（元）", "依据", "记录时间")


def fees_csv(*, centre: str, month: dt.date) -> str:
    """The centre's experts' fees of the evaluations that began in `month` (Beijing time), one row each,
    the money in yuan with two decimals."""
    start = dt.datetime.combine(month.replace(day=1), dt.time(0, 0), tzinfo=PLATFORM_ZONE)
    end = dt.datetime.combine(
        (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1), dt.time(0, 0), tzinfo=PLATFORM_ZONE
    )
    rows = (
        Fee.objects.filter(
            call__request__centre=centre,
            call__request__evaluation_at__gte=start,
            call__request__evaluation_at__lt=end,
        )
        .select_related("call__request__section", "call__expert")
        .order_by("call__request__evaluation_at", "call__request_id", "call__sequence")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FEES_HEADER)
    for fee in rows:
        request = fee.call.request
        writer.writerow(
            (
                request.evaluation_at.astimezone(PLATFORM_ZONE).strftime("%Y-%m-%d %H:%M"),
                request.section.code if request.section is not None else "",
                str(request.uid),
                fee.call.specialty,
                fee.call.expert.name,
                str(fee.hours),
                yuan(fee.amount_fen, grouping=False),
                fee.basis,
                fee.recorded_at.astimezone(PLATFORM_ZONE).strftime("%Y-%m-%d %H:%M"),
            )
        )
    return out.getvalue()
