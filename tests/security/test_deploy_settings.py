"""Production settings: `manage.py check --deploy` is clean with DEBUG off, HTTPS is enforced
behind the proxy, and every page carries a Content-Security-Policy under which the site, the
admin and the Swagger UI load only our own assets."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from marketplace.models import Role
from tests.builders import make_user

REPO = Path(__file__).resolve().parents[2]


def _production_env() -> dict[str, str]:
    # the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is a test-process switch, never production's
    test_only = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    for name in list(env):  # only what a production deployment sets
        if name.startswith(("SECURE_", "SESSION_COOKIE", "CSRF_COOKIE", "CSP_")):
            del env[name]
    env |= {
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "marketplace.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://marketplace.example.com",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    }
    return env


def test_check_deploy_is_clean_under_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout


def test_production_settings_enforce_https_behind_the_proxy() -> None:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({n: getattr(s, n, None) for n in ["
        "'DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'X_FRAME_OPTIONS', "
        "'SECURE_REFERRER_POLICY', 'CACHES']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["CACHES"]["default"]["BACKEND"].endswith("RedisCache")


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_http_is_redirected_to_https_unless_the_proxy_says_https(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31_536_000
    client = Client()

    plain = client.get("/", headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")

    proxied = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"].startswith("max-age=")


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def _assert_same_origin(urls: list[str]) -> None:
    foreign = [url for url in urls if re.match(r"^(?:[a-z]+:)?//", url)]
    assert not foreign, f"assets from another origin: {foreign}"


@pytest.mark.django_db
def test_pages_admin_and_api_docs_carry_a_strict_content_security_policy(client: Client) -> None:
    pages = ["/login/", "/register/", "/", "/staff/runs/", "/admin/", "/admin/orders/order/"]
    for path in [*pages, "/api/docs/"]:
        if path == "/":
            client.force_login(make_user(Role.STAFF, is_superuser=True))
        response = client.get(path)
        assert response.status_code == 200, path
        csp = _csp(response)
        assert csp["default-src"] == ["'self'"], path
        assert csp["script-src"] == ["'self'"], path  # no inline or eval'd script anywhere
        assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"], path
        assert response["X-Frame-Options"] == "DENY", path
        html = response.content.decode()
        _assert_same_origin(_assets(html))
        # scripts are files: no inline <script> bodies and no on*="..." handlers
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert not inline, (path, inline)
        assert not re.search(r"\son[a-z]+=\"", html), path


@pytest.mark.django_db
def test_swagger_ui_is_served_from_our_static_files(client: Client) -> None:
    response = client.get("/api/docs/")
    assets = _assets(response.content.decode())
    static = [url for url in assets if url.startswith("/static/")]
    names = {Path(url).name for url in static}
    assert {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"} <= names
    for url in static:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"
    # the init script is a separate same-origin request (no inline script)
    script = next(url for url in assets if "script=" in url)
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()
