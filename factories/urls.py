"""The factory owner's pages, under /factory/."""

from django.urls import path

from factories import views

urlpatterns = [
    path("", views.dashboard, name="factory-dashboard"),
    path("factories/", views.factory_list, name="factory-list"),
    path("factories/new/", views.factory_edit, name="factory-new"),
    path("factories/<int:pk>/", views.factory_edit, name="factory-edit"),
    path("factories/<int:pk>/capabilities/", views.capability_add, name="capability-add"),
    path("factories/<int:pk>/resume/", views.factory_resume, name="factory-resume"),
    path("capabilities/<int:pk>/delete/", views.capability_delete, name="capability-delete"),
    path("windows/", views.window_list, name="factory-windows"),
    path("windows/<int:pk>/", views.window_edit, name="window-edit"),
    path("windows/<int:pk>/delete/", views.window_delete, name="window-delete"),
    path("calendar/", views.calendar, name="factory-calendar"),
    path("offers/", views.offer_inbox, name="factory-offers"),
    path("offers/<int:pk>/", views.offer_detail, name="factory-offer"),
    path("offers/<int:pk>/accept/", views.offer_accept_view, name="factory-offer-accept"),
    path("offers/<int:pk>/decline/", views.offer_decline_view, name="factory-offer-decline"),
]
