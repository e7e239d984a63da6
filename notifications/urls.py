from django.urls import path

from notifications import apis

urlpatterns = [
    path("calendar/token/", apis.CalendarTokenApi.as_view(), name="calendar-token"),
    path("calendar/<str:token>.ics", apis.CalendarFeedApi.as_view(), name="calendar-feed"),
]
