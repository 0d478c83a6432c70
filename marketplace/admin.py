"""Admin for users and categories, and the helpers the other apps' admins share.

Writes go through the services (HackSoft styleguide): a ``ServiceModelAdmin``
creates, changes and deletes rows with service calls instead of ``obj.save()``.
So that a service's ``ValidationError`` shows up on the form instead of as a
server error, the form's ``clean()`` first runs the same call in a savepoint that
is always rolled back (a dry run); ``save_model`` then makes the real call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerError

from marketplace.errors import Conflict
from marketplace.forms import add_service_error
from marketplace.models import Notification, ProductCategory, Role, User
from marketplace.selectors import TreeCategory

admin.site.site_header = _("Idle-capacity marketplace admin")
admin.site.site_title = _("Marketplace admin")
admin.site.index_title = _("Factories, orders and matching")

# Texts of Django's admin templates that its Chinese catalogue lacks (Django 5.2); ours is
# read first (LOCALE_PATHS), so listing them here for makemessages translates them.
DJANGO_ADMIN_TEXTS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
)

# Autocomplete requests say which form field asks (``model_name`` and ``field_name``);
# these fields only accept users of one role.
USER_ROLE_BY_AUTOCOMPLETE_FIELD = {
    ("factory", "owner"): Role.FACTORY_OWNER,
    ("order", "seller"): Role.SELLER,
}
# Capabilities, windows and orders only accept leaf categories.
LEAF_CATEGORY_FIELDS = {
    ("factorycapability", "category"),
    ("capacitywindow", "category"),
    ("order", "category"),
}

ServiceCall = Callable[[], object]
T = TypeVar("T")

logger = logging.getLogger(__name__)


# --- Service helpers shared by the admins ---------------------------------


class _DryRunSucceeded(Exception):
    """Raised inside the dry-run savepoint so that it is rolled back."""


def admin_user(request: HttpRequest) -> User:
    """The staff member behind an admin request (the admin site lets no one else in)."""
    assert isinstance(request.user, User)
    return request.user


def service_dry_run(call: ServiceCall) -> ValidationError | None:
    """Run ``call`` in a savepoint that is always rolled back; return its error, if any.

    ``transaction.on_commit`` callbacks registered inside (match-run requests) are
    discarded with the savepoint.
    """
    try:
        with transaction.atomic():
            call()
            raise _DryRunSucceeded
    except _DryRunSucceeded:
        return None
    except ValidationError as exc:
        return exc
    except Conflict as exc:
        return ValidationError(exc.message)


def copy_saved_fields(source: models.Model, target: models.Model) -> None:
    """Copy what a service saved onto the instance the admin keeps using afterwards."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def changed_values(
    cleaned_data: Mapping[str, Any], changed: Iterable[str], allowed: Iterable[str]
) -> dict[str, Any]:
    """The changed form values a service accepts, as a dict for its ``data`` argument."""
    accepted = set(allowed)
    return {
        name: cleaned_data[name] for name in changed if name in accepted and name in cleaned_data
    }


class ServiceWrites:
    """What a model's admin (and its inline) call instead of saving the form's instance.

    ``data`` is the form's ``cleaned_data``; ``changed`` the names of changed fields.
    """

    def create_object(self, request: HttpRequest, data: Mapping[str, Any]) -> models.Model:
        raise NotImplementedError

    def update_object(
        self, request: HttpRequest, obj: Any, data: Mapping[str, Any], changed: list[str]
    ) -> models.Model:
        raise NotImplementedError

    def delete_object(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError


def _service_form(
    base: type[forms.ModelForm], writes: ServiceWrites, request: HttpRequest
) -> type[forms.ModelForm]:
    """A subclass of ``base`` whose ``clean()`` dry-runs the service that will save it."""

    class ServiceForm(base):  # type: ignore[valid-type, misc]
        def clean(self) -> dict[str, Any]:
            cleaned_data = super().clean()
            if self.errors or cleaned_data.get("DELETE"):
                return cleaned_data
            instance = self.instance
            if instance.pk is None:

                def call() -> object:
                    return writes.create_object(request, cleaned_data)

            else:
                if not self.has_changed():
                    return cleaned_data
                # a fresh copy: the services change the instance they are given
                fresh = type(instance)._default_manager.get(pk=instance.pk)

                def call() -> object:
                    return writes.update_object(request, fresh, cleaned_data, self.changed_data)

            error = service_dry_run(call)
            if error is not None:
                add_service_error(self, error)
            return cleaned_data

    ServiceForm.__name__ = base.__name__
    return ServiceForm


def _service_formset(
    base: type[BaseInlineFormSet], writes: ServiceWrites, request: HttpRequest
) -> type[BaseInlineFormSet]:
    """An inline formset that creates, changes and deletes its rows through ``writes``."""

    class ServiceFormSet(base):  # type: ignore[valid-type, misc]
        def clean(self) -> None:
            """Dry-run all of the formset's writes together, in the order ``save()`` makes them.

            Each form's ``clean()`` has checked its row alone; this catches rows that
            clash with each other (two new windows that overlap) and refused deletions.
            """
            super().clean()
            if any(self.errors):
                return
            problems: list[str] = []

            def attempt(label: str, call: ServiceCall) -> None:
                # kept until run_all's savepoint is rolled back, so later rows see it
                try:
                    with transaction.atomic():
                        call()
                except ValidationError as exc:
                    problems.extend(f"{label}: {message}" for message in exc.messages)
                except Conflict as exc:
                    problems.append(f"{label}: {exc.message}")

            def run_all() -> None:
                for form in self.initial_forms:
                    model = type(form.instance)
                    fresh = model._default_manager.get(pk=form.instance.pk)
                    if self._should_delete_form(form):
                        attempt(str(fresh), partial(writes.delete_object, request, fresh))
                    elif form.has_changed():
                        attempt(
                            str(fresh),
                            partial(
                                writes.update_object,
                                request,
                                fresh,
                                form.cleaned_data,
                                form.changed_data,
                            ),
                        )
                for number, form in enumerate(self.extra_forms, start=1):
                    if form.has_changed() and not self._should_delete_form(form):
                        attempt(
                            gettext("New row %(number)s") % {"number": number},
                            partial(writes.create_object, request, form.cleaned_data),
                        )

            service_dry_run(run_all)
            if problems:
                raise ValidationError(problems)

        def save_new(self, form: forms.ModelForm, commit: bool = True) -> models.Model:
            return writes.create_object(request, form.cleaned_data)

        def save_existing(
            self, form: forms.ModelForm, obj: models.Model, commit: bool = True
        ) -> models.Model:
            saved = writes.update_object(request, obj, form.cleaned_data, form.changed_data)
            copy_saved_fields(saved, obj)
            return obj

        def delete_existing(self, obj: models.Model, commit: bool = True) -> None:
            writes.delete_object(request, obj)

    return ServiceFormSet


_COLLECTING_CASCADE = "_service_admin_collecting_cascade"


class ServiceModelAdmin(ServiceWrites, admin.ModelAdmin):
    """A ModelAdmin whose add, change and delete go through services.

    The bulk "delete selected" action is removed: deletions are one at a time,
    through the service, and only offered where ``can_delete`` allows them.
    """

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        return _service_form(super().get_form(request, obj, change=change, **kwargs), self, request)

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            saved = self.create_object(request, form.cleaned_data)
        elif form.has_changed():
            saved = self.update_object(request, obj, form.cleaned_data, form.changed_data)
        else:
            return
        copy_saved_fields(saved, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_object(request, obj)

    def can_delete(self, obj: Any) -> bool:
        """Whether the service would delete ``obj`` (hides the delete link when not)."""
        return True

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        if obj is None or getattr(request, _COLLECTING_CASCADE, False):
            return allowed
        return allowed and self.can_delete(obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Rows deleted along with ``objs`` (a factory's capabilities and windows) go
        # through the parent's service; their own can_delete is about deleting them alone.
        setattr(request, _COLLECTING_CASCADE, True)
        try:
            return super().get_deleted_objects(objs, request)
        finally:
            delattr(request, _COLLECTING_CASCADE)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ServiceInlineMixin:
    """For an inline of a saved parent: rows are written through ``service_writes``."""

    service_writes: ServiceWrites

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.form = _service_form(formset.form, self.service_writes, request)
        return _service_formset(formset, self.service_writes, request)


def report_service_errors(
    model_admin: admin.ModelAdmin, request: HttpRequest, error: ValidationError | Conflict
) -> None:
    texts = error.messages if isinstance(error, ValidationError) else [error.message]
    for text in texts:
        model_admin.message_user(request, text, messages.ERROR)


def call_reporting_broker_errors(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    call: Callable[[], T],
    *,
    done: str | Promise,
) -> T | None:
    """Make a service call that may queue a match run; report an unreachable broker.

    Outside a transaction the run's task is sent right away (``on_commit``), so a
    stopped Redis surfaces here, after the service's own writes are committed.
    """
    try:
        return call()
    except BrokerError as exc:
        logger.warning("Could not send the match-run task: %s", exc)
        model_admin.message_user(
            request,
            gettext(
                "%(done)s, but the match run could not be sent to the Celery worker (%(error)s). "
                "It stays queued; Celery beat sends it again once Redis is reachable."
            )
            % {"done": done, "error": exc},
            messages.WARNING,
        )
        return None


class ViewOnlyAdmin(admin.ModelAdmin):
    """Records the system writes (runs, assignments, milestones, notifications): read only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows of a record shown under it (history, milestones, delays): read only."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@dataclass(frozen=True)
class ActionNoun:
    """The messages of an admin action about one kind of row, for ``apply_service_to_each``
    (whole sentences, so that each language can order and inflect them)."""

    one_done: Callable[[], str]  # "Order #%(id)s was %(done)s"
    many_done: Callable[[int], str]  # "%(count)s orders %(done)s."
    none_done: Callable[[], str]  # "None of the selected orders could be %(done)s."


ACTION_NOUNS = {
    "order": ActionNoun(
        lambda: gettext("Order #%(id)s was %(done)s"),
        lambda n: ngettext("%(count)s order %(done)s.", "%(count)s orders %(done)s.", n),
        lambda: gettext("None of the selected orders could be %(done)s."),
    ),
    "offer": ActionNoun(
        lambda: gettext("Offer #%(id)s was %(done)s"),
        lambda n: ngettext("%(count)s offer %(done)s.", "%(count)s offers %(done)s.", n),
        lambda: gettext("None of the selected offers could be %(done)s."),
    ),
    "dispute": ActionNoun(
        lambda: gettext("Dispute #%(id)s was %(done)s"),
        lambda n: ngettext("%(count)s dispute %(done)s.", "%(count)s disputes %(done)s.", n),
        lambda: gettext("None of the selected disputes could be %(done)s."),
    ),
    "factory": ActionNoun(
        lambda: gettext("Factory #%(id)s was %(done)s"),
        lambda n: ngettext("%(count)s factory %(done)s.", "%(count)s factories %(done)s.", n),
        lambda: gettext("None of the selected factories could be %(done)s."),
    ),
}


def apply_service_to_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    service: Callable[[Any], object],
    *,
    done: str | Promise,
    noun: str,
) -> None:
    """An admin action: call ``service(row)`` for each selected row, with the same rules as
    the API (a refused row is reported with the service's reason; the others go ahead).

    ``noun`` is one of ``ACTION_NOUNS``; ``done`` a (lazily translated) past participle."""
    texts = ACTION_NOUNS[noun]
    changed, refused = 0, []
    for row in queryset.order_by("pk"):
        try:
            outcome = call_reporting_broker_errors(
                model_admin,
                request,
                partial(service, row),
                done=texts.one_done() % {"id": row.pk, "done": done},
            )
        except (Conflict, ValidationError) as exc:
            text = exc.message if isinstance(exc, Conflict) else " ".join(exc.messages)
            refused.append(f"#{row.pk}: {text}")
            continue
        if outcome is not None:
            changed += 1
    if changed:
        text = texts.many_done(changed) % {"count": changed, "done": done}
        model_admin.message_user(request, text, messages.SUCCESS)
    for text in refused:
        model_admin.message_user(request, text, messages.WARNING)
    if not changed and not refused:
        model_admin.message_user(request, texts.none_done() % {"done": done}, messages.WARNING)


# --- Category fields and filters used by the other admins -------------------


def leaf_categories() -> QuerySet[ProductCategory]:
    children = ProductCategory.objects.filter(parent=OuterRef("pk"))
    return (
        ProductCategory.objects.select_related("parent")
        .filter(~Exists(children))
        .order_by("parent__name", "name")
    )


class LeafCategoryListFilter(admin.RelatedFieldListFilter):
    """Filter by leaf category, labelled "Group / Leaf" (one query, not one per row)."""

    # django-stubs types the choice values as str; Django's are the related rows' pks
    def field_choices(  # type: ignore[override]
        self, field: models.Field, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[int, str]]:
        return [(category.pk, str(category)) for category in leaf_categories()]


class CategoryFieldMixin(BaseModelAdmin):
    """Category select and autocomplete widgets load the parent with the category."""

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if db_field.related_model is ProductCategory and "queryset" not in kwargs:
            kwargs["queryset"] = ProductCategory.objects.select_related("parent")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Users, groups and categories -------------------------------------------

# Django stores permission names in English ("Can add factory"); shown translated instead.
PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """ "App | model | Can add model" in the reader's language (Django's own form of it)."""
    action = permission.codename.partition("_")[0]
    model = permission.content_type.model_class()
    if model is None or action not in PERMISSION_ACTIONS:
        return str(permission)
    text = PERMISSION_ACTIONS[action] % {"model": model._meta.verbose_name}
    return f"{permission.content_type} | {text}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class PermissionLabelsMixin(admin.ModelAdmin):
    """Permission pickers (of users and groups) list permissions by translated labels."""

    def formfield_for_manytomany(
        self,
        db_field: models.ManyToManyField[Any, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        assert request is not None  # the admin always passes it (GroupAdmin's default is None)
        if db_field.related_model is Permission:
            kwargs["form_class"] = PermissionChoiceField
            kwargs.setdefault("queryset", Permission.objects.select_related("content_type"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabelsMixin, DjangoGroupAdmin):
    pass


@admin.register(User)
class UserAdmin(PermissionLabelsMixin, DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Marketplace"), {"fields": ("role", "company_name", "phone", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Marketplace"), {"classes": ("wide",), "fields": ("role", "company_name", "email")}),
    )
    list_display = (
        "username",
        "role",
        "company_name",
        "email",
        "phone",
        "is_staff",
        "is_active",
        "date_joined",
    )
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "company_name", "phone")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        role = USER_ROLE_BY_AUTOCOMPLETE_FIELD.get(
            (request.GET.get("model_name", ""), request.GET.get("field_name", ""))
        )
        if role is not None:
            queryset = queryset.filter(role=role)
        return queryset, may_have_duplicates


class CategoryLevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("group", _("Top-level group")), ("leaf", _("Leaf (orderable)"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[TreeCategory]
    ) -> QuerySet[TreeCategory]:
        if self.value() == "group":
            return queryset.filter(parent__isnull=True)
        if self.value() == "leaf":
            return queryset.filter(has_children=False)
        return queryset


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "parent", "slug", "leaf")
    list_filter = (CategoryLevelFilter, ("parent", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("parent",)
    search_fields = ("name", "name_zh", "slug", "parent__name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    ordering = ("parent__name", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TreeCategory]:
        children = ProductCategory.objects.filter(parent=OuterRef("pk"))
        return super().get_queryset(request).annotate(has_children=Exists(children))

    @admin.display(boolean=True, ordering="has_children", description=_("leaf"))
    def leaf(self, category: TreeCategory) -> bool:
        return not category.has_children

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[TreeCategory], search_term: str
    ) -> tuple[QuerySet[TreeCategory], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        asking = (request.GET.get("model_name", ""), request.GET.get("field_name", ""))
        if asking in LEAF_CATEGORY_FIELDS:
            queryset = queryset.filter(has_children=False)
        return queryset, may_have_duplicates


# Notification kinds (codes the services store) in words; reminders carry the part's id.
NOTIFICATION_KINDS = {
    "new_offers": _("New offers"),
    "offer_accepted": _("Offer accepted"),
    "offer_lost": _("Offer lost"),
    "offer_expired": _("Offer expired"),
    "offers_withdrawn": _("Offers withdrawn"),
    "counter_made": _("Counter-offer made"),
    "counter_accepted": _("Counter-offer accepted"),
    "counter_rejected": _("Counter-offer rejected"),
    "counter_expired": _("Counter-offer expired"),
    "counter_lapsed": _("Matched again after a counter-offer"),
    "factory_paused": _("Factory paused"),
    "order_cancelled": _("Order cancelled"),
    "delay_reported": _("Delay reported"),
    "delay_accepted": _("Delay accepted"),
    "delivered": _("Delivered"),
    "rated": _("Rated"),
    "approve_sample": _("Sample approved"),
    "reject_sample": _("Sample rejected"),
    "dispute_opened": _("Dispute opened"),
    "dispute_answered": _("Dispute answered"),
    "dispute_resolved": _("Dispute resolved"),
    "milestone": _("Milestone posted"),
    "reminder": _("Reminder of a late milestone"),
}


def notification_kind_group(kind: str) -> str:
    """``milestone_shipped`` and ``reminder_shipped_12`` by their first word."""
    first = kind.partition("_")[0]
    return first if first in ("milestone", "reminder") else kind


class NotificationKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        stored = Notification.objects.order_by().values_list("kind", flat=True).distinct()
        groups = sorted({notification_kind_group(kind) for kind in stored})
        return [(group, NOTIFICATION_KINDS.get(group, group)) for group in groups]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Notification]
    ) -> QuerySet[Notification]:
        value = self.value()
        if value in ("milestone", "reminder"):
            return queryset.filter(kind__startswith=f"{value}_")
        return queryset.filter(kind=value) if value else queryset


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdmin):
    """What users were told (in the app and by email); written by the services only."""

    fields = (
        "recipient",
        "order",
        "kind_label",
        "title_text",
        "message_text",
        "created_at",
        "read_at",
        "emailed_at",
    )
    readonly_fields = ("kind_label", "title_text", "message_text")
    list_display = (
        "id",
        "recipient",
        "kind_label",
        "title_text",
        "order",
        "created_at",
        "read_at",
        "emailed_at",
    )
    list_filter = (NotificationKindFilter, ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__username", "kind")
    list_select_related = ("recipient", "order")
    raw_id_fields = ("recipient", "order")
    date_hierarchy = "created_at"

    # rendered from kind and parameters in the staff member's language
    @admin.display(description=_("title"))
    def title_text(self, notification: Notification) -> str:
        return notification.title

    @admin.display(description=_("message"))
    def message_text(self, notification: Notification) -> str:
        return notification.message

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, notification: Notification) -> str:
        kind = notification.kind
        return str(NOTIFICATION_KINDS.get(notification_kind_group(kind), kind))
