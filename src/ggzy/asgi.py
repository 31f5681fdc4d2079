"""The ASGI application `ggzy serve` runs under granian: Django behind the request-body guard."""

import os
import warnings

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ggzy.settings")
django_application = get_asgi_application()

from ggzy.core.bodyguard import RequestBodyGuard  # noqa: E402  (after Django is set up)

application = RequestBodyGuard(django_application)

if settings.DEBUG:
    # whitenoise serves static files from the apps' folders as a synchronous file iterator, which
    # Django warns about under ASGI; in production granian serves them (`ggzy serve`), and the
    # warning stays on for anything else that streams.
    warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
