from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marketplace.selectors import marketplace_overview


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/home.html", {"overview": marketplace_overview()})
