"""The factory owner's pages of factories, capabilities and windows, under /factory/ (the
dashboard, calendar and offers are web/factory_pages.py, under the same prefix)."""

from django.urls import path

from factories import views

urlpatterns = [
    path("factories/", views.factory_list, name="factory-list"),
    path("factories/new/", views.factory_edit, name="factory-new"),
    path("factories/<int:pk>/", views.factory_edit, name="factory-edit"),
    path("factories/<int:pk>/capabilities/", views.capability_add, name="capability-add"),
    path("factories/<int:pk>/resume/", views.factory_resume, name="factory-resume"),
    path("capabilities/<int:pk>/delete/", views.capability_delete, name="capability-delete"),
    path("windows/", views.window_list, name="factory-windows"),
    path("windows/<int:pk>/", views.window_edit, name="window-edit"),
    path("windows/<int:pk>/delete/", views.window_delete, name="window-delete"),
]
