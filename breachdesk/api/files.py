"""Content negotiation for the API views that answer with a file they write themselves.

DRF negotiates the Accept header against the view's renderers only (JSON and the browsable
API), so a client asking exactly for `text/csv` or `application/pdf` got 406 although the
view writes that very file; browsers and curl send `*/*` and never noticed. A file view
derives from FileDownloadApi and names the media types it writes in `file_media_types` (the
same ones its `@extend_schema` responses declare; tests/api/test_file_downloads.py checks the
two agree for every operation of the schema). An Accept naming one of them is then accepted:
the view writes the file, and whatever DRF still renders on that request (an error, a JSON
answer of a view that also speaks JSON) is JSON. An Accept naming neither JSON nor one of
the view's files is still the JSON 406.
"""

from collections.abc import Iterable

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.mediatypes import _MediaType
from rest_framework.views import APIView


class FileNegotiation(DefaultContentNegotiation):
    def __init__(self, file_media_types: Iterable[str] = ()):
        self.file_media_types = [_MediaType(media_type) for media_type in file_media_types]

    def accepts_file(self, request) -> bool:
        wanted = self._get_parsed_accept_list(request)
        return any(file.match(accept) for file in self.file_media_types for accept in wanted)

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            if not self.accepts_file(request):
                raise
            # The view answers with the file itself; DRF renders only errors (and JSON
            # answers) here, with the first renderer, JSON, as on every other view.
            return renderers[0], renderers[0].media_type


class FileDownloadApi(APIView):
    """An API view whose answer is a file (CSV, PDF, HTML, ZIP, JSON Lines, iCalendar)."""

    file_media_types: tuple[str, ...] = ()

    def get_content_negotiator(self):
        if not getattr(self, "_negotiator", None):
            self._negotiator = FileNegotiation(self.file_media_types)
        return self._negotiator
