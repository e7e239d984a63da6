from django.urls import path

from . import views

urlpatterns = [path("<str:token>/", views.notice_page, name="notice-page")]
