"""Staff pages, under /staff/."""

from django.urls import path

from matching import views

urlpatterns = [
    path("runs/", views.run_list, name="staff-runs"),
    path("runs/start/", views.run_start, name="staff-run-start"),
    path("runs/<int:pk>/", views.run_detail, name="staff-run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="staff-run-progress"),
]
