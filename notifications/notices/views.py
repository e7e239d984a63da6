"""The public notice page: no login, unguessable URL, noindex until a DPO publishes it."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from .render import render_page
from .selectors import notice_by_token


@require_GET
def notice_page(request, token: str) -> HttpResponse:
    notice = notice_by_token(token)
    if notice is None or notice.approved_version is None:
        raise Http404("No such notice.")  # same answer for unknown and unapproved: no oracle
    version = notice.approved_version
    lang = request.GET.get("lang") or version.languages[0]
    if lang not in version.languages:
        lang = version.languages[0]
    published = notice.published_at is not None
    response = HttpResponse(render_page(version, lang, published=published).html)
    response["Content-Language"] = lang
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    if not published:
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response
