import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.production")
application = get_wsgi_application()

from breachdesk.staticcheck import require_collected_static  # noqa: E402 (needs settings)

require_collected_static()  # refuse to serve 500s: collectstatic first
