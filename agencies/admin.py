"""Staff curation of places and agencies in the Django admin.

Every admin here keeps an audit history (django-simple-history): the *History* button of a
record lists who changed it, when, and what changed, field by field.

Agencies are written only through :mod:`agencies.services`, as everywhere else (see
:class:`ServiceAdmin`, which the regulator, ruling and proceeding admins share): the edit
form translates what the curator typed, and whatever the service refuses is shown as form
errors, with nothing saved.

Flags belong to the ``tracker`` app, which this app must not import. The Agency admin
registered here is therefore the flag-free base: ``tracker/admin.py`` replaces it with a
subclass that adds the flagged column, the flagged filter and the read-only flag inline
(``admin.site.unregister`` then ``register``). Subclassing keeps this module unaware of
flags while the admin that staff see is one class with one list of columns.
"""

from __future__ import annotations

import datetime
import json

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, Bloc, Country, Membership, membership_in_force_q
from .services import agency_create, agency_update
from .sources import QUOTE_MAX_LENGTH, SOURCE_KEYS, SourceKind, normalize_source


def https_formfield(db_field, **kwargs):
    """A model field's form field; a URL typed without a scheme is taken to be https."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class KeysOnlyAutocompleteMixin:
    """An autocomplete widget that looks up only submitted values that could be keys.

    Re-rendering a refused form, Django's widget queries the database for every submitted
    value; one that cannot be a key at all (text for a numeric id, a NUL character, which
    PostgreSQL refuses) made that query fail, turning a form error into a 500.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field.model._meta
        key = remote.get_field(getattr(self.field.remote_field, "field_name", remote.pk.attname))
        possible = []
        for item in value:
            if "\x00" in str(item):
                continue
            try:
                key.run_validators(key.to_python(item))
            except ValidationError:
                continue
            possible.append(item)
        return super().optgroups(name, possible, attr)


class KeysOnlyAutocompleteSelect(KeysOnlyAutocompleteMixin, AutocompleteSelect):
    pass


class KeysOnlyAutocompleteSelectMultiple(KeysOnlyAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class KeysOnlyAutocompleteAdminMixin:
    """Uses the autocomplete widgets above for ``autocomplete_fields``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeysOnlyAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeysOnlyAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AuditedAdmin(KeysOnlyAutocompleteAdminMixin, SimpleHistoryAdmin):
    """An admin whose history page shows who changed what and when, and restores nothing.

    simple-history can also revert a record to an old version from that page; that would
    write around the validation of the edit form (and, for rulings, around the services),
    so old versions are shown read-only.
    """

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("Old versions are shown, not restored; edit the record instead.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ServiceRefusal(Exception):
    """A service refused a write the form had accepted; carries the service's error."""

    def __init__(self, error: ValidationError | PermissionDenied):
        super().__init__(str(error))
        self.error = error


def add_refusal_to_form(form, error: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal as form errors: by field where the form has the field, and
    above the form otherwise (a permission, or a rule about fields the form does not show)."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or "You do not have permission to make this change.")
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages_ in error.message_dict.items():
        if field in form.fields and field not in form.errors:
            form.add_error(field, messages_)
        elif field in form.fields:
            form.errors[field].extend(m for m in messages_ if m not in form.errors[field])
        else:
            label = "" if field == "__all__" else f"{field.replace('_', ' ')}: "
            form.add_error(None, [f"{label}{message}" for message in messages_])


class ServiceAdmin(AuditedAdmin):
    """An admin that writes through its app's services, never with ``Model.save()`` itself.

    Subclasses say how to create and update (:meth:`create`, :meth:`update`), receiving the
    form's cleaned values. When a service refuses (a ``ValidationError`` or
    ``PermissionDenied``) after the form accepted the input, the exception leaves the
    admin's transaction, so everything the save had written is rolled back, and the form is
    shown again with the refusal as its errors: a refusal is never a server error and never
    half a save.
    """

    def create(self, request, fields: dict):
        """Create the record from the form's values and return it."""
        raise NotImplementedError

    def update(self, request, obj, fields: dict, form) -> None:
        """Write the form's values to ``obj``."""
        raise NotImplementedError

    def service_fields(self, request, form) -> dict:
        """The values the services receive: the form's cleaned data."""
        return dict(form.cleaned_data)

    def save_model(self, request, obj, form, change):
        fields = self.service_fields(request, form)
        try:
            if change:
                self.update(request, obj, fields, form)
                return
            created = self.create(request, fields)
        except (ValidationError, PermissionDenied) as error:
            raise ServiceRefusal(error) from error
        # The admin goes on with its own instance (for the log, the inlines and the redirect).
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The services save a record's many-to-many fields with it; only inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefusal as refusal:
            # The view's transaction was rolled back on the way out; the same submission is
            # shown again, its form now carrying the refusal.
            request._service_refusal = refusal.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form_class

        def clean(form):
            cleaned = form_class.clean(form)
            add_refusal_to_form(form, refusal)
            return cleaned

        return type(form_class.__name__, (form_class,), {"clean": clean})


SOURCES_HELP = format_html(
    "One URL a line, or a JSON list of source objects for the details, e.g.<br><code>{}</code><br>"
    "Only <code>url</code> is required (http or https). <code>kind</code> is <code>primary</code> "
    "(the regulator's, court's or agency's own document), <code>secondary</code> (reporting about it) "
    "or <code>null</code>; <code>published_on</code> is a date written YYYY-MM-DD; <code>archived_url</code> "
    "a copy in a web archive; <code>quote</code> the passage that supports the record (at most {} characters).",
    json.dumps(
        [
            {
                "url": "https://www.priv.gc.ca/en/opc-actions-and-decisions/investigations/",
                "title": "Joint investigation report",
                "publisher": "Office of the Privacy Commissioner of Canada",
                "published_on": "2021-02-02",
                "kind": "primary",
                "archived_url": "https://web.archive.org/web/2021/https://www.priv.gc.ca/",
                "quote": "…",
            }
        ],
        ensure_ascii=False,
    ),
    QUOTE_MAX_LENGTH,
)


class SourcesField(forms.Field):
    """A record's sources, edited as text: one URL a line, or a JSON list of source objects.

    The value is the list of sources as stored (every key present); each faulty source is
    its own error, naming the source by its position and what is wrong with it.
    """

    widget = forms.Textarea(attrs={"rows": 6, "cols": 90, "spellcheck": "false"})
    default_error_messages = {"required": "At least one source is required."}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", SOURCES_HELP)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if not isinstance(value, (list, tuple)):
            return value  # what the curator typed, shown again as typed
        sources = [{"url": source} if isinstance(source, str) else source for source in value]
        # The shortest text that loses nothing: bare URLs a line each, else the JSON.
        details = [key for key in SOURCE_KEYS if key != "url"]
        if all(isinstance(source, dict) and not any(source.get(key) for key in details) for source in sources):
            return "\n".join(str(source.get("url") or "") for source in sources)
        return json.dumps(sources, indent=2, ensure_ascii=False)

    @staticmethod
    def _items(value) -> list:
        if isinstance(value, (list, tuple)):
            return list(value)
        text = str(value).strip()
        if text.startswith(("[", "{")):
            try:
                items = json.loads(text)
            except json.JSONDecodeError as error:
                raise ValidationError(
                    f"The sources are not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
                    "give one URL a line, or a JSON list of source objects."
                ) from None
            except RecursionError:
                raise ValidationError("The sources are nested too deeply to be a list of source objects.") from None
            items = [items] if isinstance(items, dict) else items
            if not isinstance(items, list):
                raise ValidationError("The sources must be a JSON list of source objects.")
            return items
        items = []
        for line in text.splitlines():
            url = line.strip()
            if url and url not in items:  # a URL pasted twice is one source
                items.append(url)
        return items

    def to_python(self, value):
        if value in self.empty_values:
            return []
        sources, errors = [], []
        for index, item in enumerate(self._items(value)):
            try:
                sources.append(normalize_source(item, where=f"Source {index + 1}"))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return sources


class AliasesField(forms.Field):
    """Other names of a record, one a line; the value is the list of names."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 60})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(alias) for alias in value)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, (list, tuple)):
            return [str(alias).strip() for alias in value if str(alias).strip()]
        return [line.strip() for line in str(value).splitlines() if line.strip()]


class AgencyAdminForm(forms.ModelForm):
    aliases = AliasesField(required=False, help_text="Other names it is known by, one a line, e.g. “RCMP”.")
    sources = SourcesField(required=False)

    class Meta:
        model = Agency
        fields = "__all__"
        labels = {"searches_qualifier": "searches, as the source states them", "wikidata": "Wikidata item"}


def source_links(sources) -> str:
    """The sources as a list of links that open in a new tab, each with what is known of it
    (title, publisher, date, kind, archived copy, quote); a dash when there are none."""
    if not sources:
        return "—"
    items = []
    for source in sources:
        if isinstance(source, str):
            source = {"url": source}
        if not isinstance(source, dict) or not source.get("url"):
            continue
        url = source["url"]
        details = [part for part in (source.get("publisher"), source.get("published_on")) if part]
        if source.get("kind") in SourceKind.values:
            details.append(f"{SourceKind(source['kind']).label} source")
        items.append(
            format_html(
                '<li><a href="{}" target="_blank" rel="noopener noreferrer">{}</a>{}{}{}</li>',
                url,
                source.get("title") or url,
                format_html(" — {}", ", ".join(details)) if details else "",
                format_html(
                    ' (<a href="{}" target="_blank" rel="noopener noreferrer">archived copy</a>)', source["archived_url"]
                )
                if source.get("archived_url")
                else "",
                format_html("<blockquote>{}</blockquote>", source["quote"]) if source.get("quote") else "",
            )
        )
    if not items:
        return "—"
    return format_html('<ul class="source-links">{}</ul>', format_html_join("", "{}", ((item,) for item in items)))


@admin.register(Country)
class CountryAdmin(AuditedAdmin):
    """Every ISO 3166-1 country is installed by migration, so countries are edited, never added."""

    list_display = ["code", "name", "agency_count", "has_notes"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "notes"]
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(agency_count=Count("agencies"))

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="agencies", ordering="agency_count")
    def agency_count(self, country):
        return country.agency_count

    @admin.display(description="notes", boolean=True)
    def has_notes(self, country):
        return bool(country.notes)


class MembershipFormSet(forms.BaseInlineFormSet):
    """The memberships of one bloc, checked together: a country's spans may not overlap."""

    def clean(self):
        super().clean()
        spans: dict[str, list[tuple[datetime.date, datetime.date]]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (self.can_delete and self._should_delete_form(form)):
                continue
            country, joined, left = data.get("country"), data.get("joined"), data.get("left")
            if country is None or joined is None:
                continue
            end = left or datetime.date.max
            for other_joined, other_end in spans.get(country.pk, []):
                if joined <= other_end and other_joined <= end:
                    raise ValidationError(
                        f"{country} has two memberships that overlap; a country belongs to a bloc once at a time."
                    )
            spans.setdefault(country.pk, []).append((joined, end))


class MembershipInline(KeysOnlyAutocompleteAdminMixin, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    fields = ["country", "joined", "left"]
    autocomplete_fields = ["country"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country")


@admin.register(Bloc)
class BlocAdmin(AuditedAdmin):
    list_display = ["code", "name", "member_count"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        current = membership_in_force_q(timezone.localdate(), prefix="memberships__")
        return super().get_queryset(request).annotate(member_count=Count("memberships", filter=current))

    def get_readonly_fields(self, request, obj=None):
        # The code is the key that regulators' jurisdictions refer to.
        return ["code"] if obj is not None else []

    @admin.display(description="members today", ordering="member_count")
    def member_count(self, bloc):
        return bloc.member_count


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    """Memberships are edited inline on their bloc; this list gives each one its own history."""

    list_display = ["bloc", "country", "joined", "left"]
    list_filter = ["bloc"]
    list_select_related = ["bloc", "country"]
    search_fields = ["country__name", "country__code"]
    autocomplete_fields = ["country"]
    date_hierarchy = "joined"


@admin.register(Agency)
class AgencyAdmin(ServiceAdmin):
    form = AgencyAdminForm
    list_display = ["name", "country", "subdivision", "kind", "searches", "first_used"]
    list_select_related = ["country"]
    list_filter = ["kind", ("country", admin.RelatedOnlyFieldListFilter), "authorized", "paid", "searches_qualifier"]
    search_fields = ["name", "aliases", "notes", "wikidata"]
    autocomplete_fields = ["country"]
    readonly_fields = ["source_links", "created_at", "updated_at"]
    list_per_page = 100
    fieldsets = [
        (None, {"fields": ["name", "aliases", "kind", "country", "subdivision", "wikidata"]}),
        (
            "Use of the technology",
            {"fields": ["searches", "searches_qualifier", "first_used", "last_used", "authorized", "paid"]},
        ),
        ("Sources and notes", {"fields": ["sources", "source_links", "last_verified_on", "notes"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def create(self, request, fields):
        return agency_create(**fields)

    def update(self, request, obj, fields, form):
        agency_update(agency=obj, **fields)

    @admin.display(description="the sources, as links")
    def source_links(self, agency):
        return source_links(agency.sources)
