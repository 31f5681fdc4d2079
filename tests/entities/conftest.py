"""The sealing stage (a registered project, a test CA, two bidders with certificates, custodians in
process, bid windows) is where a bid carries library references to its opening."""

from tests.notices.test_objections import trade  # noqa: F401  (the fixture: a published tender)
from tests.registry.conftest import freeze, world  # noqa: F401  (fixtures)
from tests.sealing.conftest import stage  # noqa: F401  (the fixture)
