"""The project's URLs plus one API endpoint that fails, to see what a 500 under /api/ says."""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


class Boom(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("an unexpected fault")


urlpatterns = [
    path("api/v1/boom/", Boom.as_view()),
    path("", include("breachdesk.urls")),
]
