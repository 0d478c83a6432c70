"""Account writes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from marketplace.models import Role, User, site_language

SELF_SERVICE_ROLES = (Role.FACTORY_OWNER, Role.SELLER)
SELF_SERVICE_ROLE_CHOICES = [(role.value, role.label) for role in SELF_SERVICE_ROLES]


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    email: str = "",
    company_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    language: str | None = None,
) -> User:
    """Create a user without checking password strength (seeding, admin tooling); the
    language is the site's unless given."""
    user = User(
        username=username,
        email=email,
        role=role,
        company_name=company_name,
        language=language or site_language(),
        is_staff=is_staff or role == Role.STAFF,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.full_clean()
    try:
        with transaction.atomic():  # two sign-ups with one name at once: the index decides
            user.save()
    except IntegrityError as exc:
        raise ValidationError({"username": _("A user with that username already exists.")}) from exc
    return user


@transaction.atomic
def user_register(
    *,
    username: str,
    password: str,
    role: str,
    email: str = "",
    company_name: str = "",
    language: str | None = None,
) -> tuple[User, Token]:
    """Self-service sign-up as a factory owner or a seller (``language``: the one the
    sign-up was made in); returns the user and an API token."""
    if role not in SELF_SERVICE_ROLES:
        raise ValidationError(
            {"role": _("Choose factory_owner or seller; staff accounts are made by an admin.")}
        )
    candidate = User(username=username, email=email, role=role, company_name=company_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user = user_create(
        username=username,
        password=password,
        role=role,
        email=email,
        company_name=company_name,
        language=language,
    )
    return user, Token.objects.create(user=user)


def user_language_set(*, user: User, language: str) -> User:
    """The language the user reads pages after log-in, the API and emails in."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the site's languages.")})
    user.language = language
    user.save(update_fields=["language"])
    return user
