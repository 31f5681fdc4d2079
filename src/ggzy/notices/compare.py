"""A notice's text against the text a legal medium published (standard 6.4.2: the same notice, the same
content, wherever it is published). Pure functions: no database, no request.

**Normalising** (`normalise`), applied alike to both texts, so that only what a reader would call a
difference remains:

1. Unicode NFKC: full-width letters, digits and ASCII punctuation (ＡＢＣ１２３，：；（）！？) become
   their half-width forms, compatibility forms (…, ①, ㎡) their plain spelling.
2. `PUNCTUATION`: the Chinese punctuation NFKC leaves alone is mapped to its ASCII counterpart —
   。→. 、→, “”「」『』→" ‘’→' 【】〔〕［］→[] 《》〈〉→<> —— – —→- ～→~ ·•→· — so a medium
   that prints a notice with half-width punctuation (or the other way round) matches. The two marks
   are the same mark in another width; a reader does not read them differently. Punctuation is not
   dropped: a missing or extra comma is still a difference.
3. Case folded (`str.casefold`): "CA" and "ca", "Https" and "https".
4. Whitespace (spaces of every width, tabs, line breaks) collapsed: a run becomes one space, kept only
   between two Latin letters or digits ("Section A 1") and dropped everywhere else — Chinese text has
   no spaces, and media break lines and indent paragraphs where they like ("8 号线" = "8号线").

**Diffing** (`compare`): `difflib.SequenceMatcher` (no junk heuristic) first over sentences (split after
. ; ! ? :), then, inside each changed run of sentences, over characters, so a long notice is compared
quickly and a changed figure shows as the figure. Each segment is `equal`, `changed` (ours → theirs),
`missing` (ours only: the medium left it out) or `added` (theirs only)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

#: Chinese punctuation NFKC keeps, mapped to the ASCII mark of the same meaning (step 2 above).
PUNCTUATION = str.maketrans(
    {
        "。": ".",
        "｡": ".",
        "、": ",",
        "“": '"',
        "”": '"',
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "‘": "'",
        "’": "'",
        "【": "[",
        "】": "]",
        "〔": "[",
        "〕": "]",
        "〖": "[",
        "〗": "]",
        "《": "<",
        "》": ">",
        "〈": "<",
        "〉": ">",
        "—": "-",
        "–": "-",
        "―": "-",
        "－": "-",
        "〜": "~",
        "•": "·",
        "・": "·",
        "‧": "·",
    }
)
_SPACE = re.compile(r"\s+")
_LATIN = re.compile(r"[0-9a-z]")
#: Where a sentence ends (after normalising): the diff's first, coarse unit.
_SENTENCE = re.compile(r"(?<=[.;!?:])")
#: The longest text compared (characters, after normalising): a notice is far shorter.
MAX_CHARS = 100_000


class Kind(StrEnum):
    EQUAL = "equal"
    CHANGED = "changed"
    MISSING = "missing"  # in the notice, not in the medium's text
    ADDED = "added"  # in the medium's text, not in the notice


@dataclass(frozen=True)
class Segment:
    kind: Kind
    ours: str  # the notice's (normalised) text of the segment; "" when added
    theirs: str  # the medium's (normalised) text; "" when missing


@dataclass(frozen=True)
class Comparison:
    segments: tuple[Segment, ...]
    ours: str  # both texts as compared (normalised)
    theirs: str

    @property
    def equal(self) -> bool:
        """The texts match after normalising."""
        return self.ours == self.theirs

    @property
    def differences(self) -> int:
        return sum(1 for s in self.segments if s.kind != Kind.EQUAL)


def _join_spaces(text: str) -> str:
    """Step 4: every whitespace run dropped, except one space between two Latin letters or digits."""
    parts = _SPACE.split(text.strip())
    out = parts[0] if parts else ""
    for part in parts[1:]:
        if out and part and _LATIN.match(out[-1]) and _LATIN.match(part[0]):
            out += " "
        out += part
    return out


def normalise(text: str) -> str:
    """The text as compared: NFKC, Chinese punctuation to ASCII, case folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.translate(PUNCTUATION).casefold()
    return _join_spaces(text)


def notice_text(title: str, items: list[tuple[str, str]]) -> str:
    """A notice's text as a reader copies it from its page: the title, then each content item as
    "label：text" on its own line, in the page's order (`views.notices.items_of`)."""
    return "\n".join([title, *(f"{label}：{text}" for label, text in items)])


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s]


def _segment(tag: str, ours: str, theirs: str) -> Segment:
    kind = {"equal": Kind.EQUAL, "replace": Kind.CHANGED, "delete": Kind.MISSING, "insert": Kind.ADDED}[tag]
    return Segment(kind, ours, theirs)


def _characters(ours: str, theirs: str) -> list[Segment]:
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    return [_segment(tag, ours[i1:i2], theirs[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


def _merged(segments: list[Segment]) -> tuple[Segment, ...]:
    """Neighbouring segments of one kind joined (the sentence and character passes split them)."""
    out: list[Segment] = []
    for s in segments:
        if not (s.ours or s.theirs):
            continue
        if out and out[-1].kind == s.kind:
            last = out.pop()
            out.append(Segment(s.kind, last.ours + s.ours, last.theirs + s.theirs))
        else:
            out.append(s)
    return tuple(out)


def compare(ours: str, theirs: str) -> Comparison:
    """The differences between the notice's text and the medium's, both normalised first."""
    a, b = normalise(ours)[:MAX_CHARS], normalise(theirs)[:MAX_CHARS]
    sa, sb = _sentences(a), _sentences(b)
    found: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, sa, sb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = "".join(sa[i1:i2]), "".join(sb[j1:j2])
        if tag == "replace":
            found.extend(_characters(left, right))
        else:
            found.append(_segment(tag, left, right))
    return Comparison(_merged(found), a, b)
