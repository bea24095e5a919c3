"""Staff curation of places and agencies in the Django admin.

Every admin here keeps an audit history (django-simple-history): the *History* button of a
record lists who changed it, when, and what changed, field by field.

Flags belong to the ``tracker`` app, which this app must not import. The Agency admin
registered here is therefore the flag-free base: ``tracker/admin.py`` replaces it with a
subclass that adds the flagged column, the flagged filter and the read-only flag inline
(``admin.site.unregister`` then ``register``). Subclassing keeps this module unaware of
flags while the admin that staff see is one class with one list of columns.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, Bloc, Country, Membership, membership_in_force_q


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


class URLListField(forms.Field):
    """A list of http(s) URLs edited as text, one URL a line; each bad line is its own error."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 90})
    validate_url = URLValidator(schemes=["http", "https"])

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, (list, tuple)):
            return list(value)
        urls = []
        for line in str(value).splitlines():
            url = line.strip()
            if url and url not in urls:
                urls.append(url)
        return urls

    def validate(self, value):
        super().validate(value)
        errors = []
        for url in value:
            try:
                self.validate_url(url)
            except ValidationError:
                errors.append(
                    ValidationError("“%(url)s” is not an http(s) URL.", code="invalid_url", params={"url": url})
                )
        if errors:
            raise ValidationError(errors)


class AgencyAdminForm(forms.ModelForm):
    sources = URLListField(required=False, help_text="One URL a line.")

    class Meta:
        model = Agency
        fields = "__all__"


def source_links(urls) -> str:
    """The URLs as a list of links that open in a new tab (empty text when there are none)."""
    if not urls:
        return "—"
    items = format_html_join(
        "", '<li><a href="{}" target="_blank" rel="noopener noreferrer">{}</a></li>', ((url, url) for url in urls)
    )
    return format_html('<ul class="source-links">{}</ul>', items)


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
class AgencyAdmin(AuditedAdmin):
    form = AgencyAdminForm
    list_display = ["name", "country", "subdivision", "kind", "searches", "first_used"]
    list_select_related = ["country"]
    list_filter = ["kind", ("country", admin.RelatedOnlyFieldListFilter), "authorized", "paid"]
    search_fields = ["name", "notes"]
    autocomplete_fields = ["country"]
    readonly_fields = ["source_links", "created_at", "updated_at"]
    list_per_page = 100
    fieldsets = [
        (None, {"fields": ["name", "kind", "country", "subdivision"]}),
        ("Use of the technology", {"fields": ["searches", "first_used", "last_used", "authorized", "paid"]}),
        ("Sources and notes", {"fields": ["sources", "source_links", "notes"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="links to the sources")
    def source_links(self, agency):
        return source_links(agency.sources)
