"""Pages of the top layer: the home page, with numbers from every app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from web.selectors import marketplace_overview


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/home.html", {"overview": marketplace_overview()})
