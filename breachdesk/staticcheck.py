"""Production refuses to start without collected static files.

With ManifestStaticFilesStorage, every `{% static %}` of a page (the admin's login page
first) raises until `manage.py collectstatic` has written the manifest: the site would answer
500 everywhere. The WSGI/ASGI entry points call `require_collected_static()` so the web
server stops at start-up with the fix in the message instead.
"""

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages


def static_problem() -> str | None:
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    if storage.exists(storage.manifest_name):
        return None
    return (
        f"Static files are not collected ({storage.manifest_name} is missing in "
        f"{settings.STATIC_ROOT}): run `manage.py collectstatic --noinput` before starting "
        "the web server; without it every page that links a stylesheet (the admin login "
        "first) fails."
    )


def require_collected_static() -> None:
    if problem := static_problem():
        raise ImproperlyConfigured(problem)
