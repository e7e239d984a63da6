"""The answer for a URL under /api/ that no endpoint serves: JSON, never the HTML 404 page."""

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt


def _with_slash(request: HttpRequest) -> str | None:
    """The path with a trailing slash when that one is a real endpoint (APPEND_SLASH's rule)."""
    if request.path_info.endswith("/"):
        return None
    try:
        match = resolve(request.path_info + "/")
    except Resolver404:
        return None
    return None if match.func is endpoint_not_found else request.path + "/"


@csrf_exempt
def endpoint_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    target = _with_slash(request)
    if target and request.method in ("GET", "HEAD"):
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
    detail = f"No API endpoint at {request.path}."
    if target:
        detail += f" The endpoint is {target} (with the trailing slash)."
    return JsonResponse({"code": "not_found", "detail": detail}, status=404)
