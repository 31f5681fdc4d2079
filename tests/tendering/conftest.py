"""The objections' trade (frozen clock at 2026-03-02, a published tender notice, bid windows, custodians)
is the tender documents' stage too."""

from tests.notices.test_objections import trade  # noqa: F401  (the fixture)
