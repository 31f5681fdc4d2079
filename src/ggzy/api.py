"""The platform's API, /api/v1/: every app's router mounted on one GgzyAPI."""

from __future__ import annotations

from ggzy.accounts.api import router as accounts_router
from ggzy.calendar.api import router as calendar_router
from ggzy.certs.api import router as certs_router
from ggzy.core.api import GgzyAPI
from ggzy.core.api_routes import router as core_router
from ggzy.entities.api import router as entities_router
from ggzy.events.api import router as events_router
from ggzy.notices.api import router as notices_router
from ggzy.ops.api import router as ops_router
from ggzy.randomness.api import router as randomness_router
from ggzy.registry.api import router as registry_router
from ggzy.sealing.api import router as sealing_router
from ggzy.securities.api import router as securities_router
from ggzy.service.api import router as service_router
from ggzy.venues.api import router as venues_router
from ggzy.witness.api import router as witness_router

api = GgzyAPI(
    title="ggzy API",
    version="1",
    description=(
        "公共资源交易平台接口 / The API of the ggzy public resource trading platform.\n\n"
        "Machine clients send `Authorization: Bearer <token>`; browsers use their session and the "
        "CSRF token. Every error has the shape `{code, message, detail}`; the message is in "
        "Chinese unless the request asks for English (`Accept-Language: en`)."
    ),
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/", events_router)
api.add_router("/", ops_router)
api.add_router("/", calendar_router)
api.add_router("/", witness_router)
api.add_router("/", randomness_router)
api.add_router("/", certs_router)
api.add_router("/", registry_router)
api.add_router("/", sealing_router)
api.add_router("/", service_router)
api.add_router("/", notices_router)
api.add_router("/", entities_router)
api.add_router("/", securities_router)
api.add_router("/", venues_router)
