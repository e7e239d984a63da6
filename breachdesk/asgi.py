import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.production")
application = get_asgi_application()

from breachdesk.staticcheck import require_collected_static  # noqa: E402 (needs settings)

require_collected_static()  # refuse to serve 500s: collectstatic first
