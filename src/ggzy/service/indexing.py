"""What the service pages put in the platform's full-text search (ggzy.core.search): FAQ entries and
service guides for everyone, answered questions for the staff of their centre. The pages call these
right after creating or answering, in the same transaction; `index_all` rebuilds from the tables."""

from __future__ import annotations

from ggzy.core import search
from ggzy.service.models import FaqEntry, Guide, PublishState, Question

FAQ = "service.faq"
GUIDE = "service.guide"
QUESTION = "service.question"
#: Visibility of answered questions: staff of the question's centre only (never public: the asker).
STAFF = "centre_staff"


def index_faq(entry: FaqEntry) -> None:
    search.index(FAQ, entry.uid, title=entry.question, text=entry.answer, updated_at=entry.published_at)


def index_guide(guide: Guide) -> None:
    search.index(GUIDE, guide.uid, title=guide.title, text=guide.body, updated_at=guide.updated_at)


def unindex_guide(guide: Guide) -> None:
    """A withdrawn guide is no longer found."""
    search.remove(GUIDE, guide.uid)


def index_question(question: Question) -> None:
    """An answered question, for its centre's staff (the asker's name and contact are not indexed)."""
    if question.answered_at is None:
        return
    search.index(
        QUESTION,
        question.uid,
        title=question.text[:100],
        text=f"{question.text}\n{question.answer}\n{question.authority}",
        visibility=STAFF,
        centre=question.centre.code,
        updated_at=question.answered_at,
    )


def index_all() -> int:
    """Index every FAQ entry, published guide and answered question (after a load of data); how many."""
    n = 0
    for entry in FaqEntry.objects.all():
        index_faq(entry)
        n += 1
    for guide in Guide.objects.filter(state=PublishState.PUBLISHED):
        index_guide(guide)
        n += 1
    for question in Question.objects.filter(answered_at__isnull=False).select_related("centre"):
        index_question(question)
        n += 1
    return n
