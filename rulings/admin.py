"""Staff curation of regulators and rulings in the Django admin.

A ruling is written only through :mod:`rulings.services`, as everywhere else: the edit form
checks what the services check (the model's rules and the list of agencies), so a bad save
is a form error and nothing is half-saved, and ``save_model`` hands the cleaned values to
``ruling_create`` / ``ruling_update``, which save the ruling and its agencies together.

A ruling's status is never a form field on an existing ruling. It changes only through the
list's actions (publish, unpublish, mark overturned, mark withdrawn), offered to holders of
the *publish ruling* permission and run one ruling at a time through
``ruling_change_status``; a transition the rules forbid is reported for that ruling. Without
that permission a user creates drafts and edits drafts only (SPEC §2).

Flags belong to ``tracker``, which this app must not import: ``tracker/admin.py`` extends
the Ruling admin with the read-only inline of the flags a ruling raised.
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.utils.html import format_html

from agencies.admin import AuditedAdmin, https_formfield
from agencies.jurisdictions import Level, level_of
from agencies.models import Bloc

from .models import Regulator, Ruling
from .services import can_publish, ruling_agencies_errors, ruling_change_status, ruling_create, ruling_update


class JurisdictionLevelFilter(admin.SimpleListFilter):
    title = "jurisdiction level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return Level.choices

    def queryset(self, request, queryset):
        # A bloc's code is never a country's, so a code that names a bloc is supranational.
        blocs = Q(jurisdiction__in=Bloc.objects.values("code"))
        subdivisions = Q(jurisdiction__contains="-")
        if self.value() == Level.SUBNATIONAL:
            return queryset.filter(subdivisions)
        if self.value() == Level.SUPRANATIONAL:
            return queryset.filter(blocs)
        if self.value() == Level.NATIONAL:
            return queryset.exclude(subdivisions).exclude(blocs)
        return queryset


class RegulatorAdminForm(forms.ModelForm):
    class Meta:
        model = Regulator
        fields = "__all__"
        formfield_callback = https_formfield

    def clean(self):
        cleaned = super().clean()
        jurisdiction = cleaned.get("jurisdiction")
        if self.instance.pk and jurisdiction and "jurisdiction" in self.changed_data:
            # The rulings that list agencies must still lie within the new jurisdiction.
            moved = copy.copy(self.instance)
            moved.jurisdiction = jurisdiction
            rulings = self.instance.rulings.filter(scope=Ruling.Scope.AGENCIES).prefetch_related("agencies")
            for ruling in rulings:
                errors = ruling_agencies_errors(
                    regulator=moved, decided_on=ruling.decided_on, scope=ruling.scope, agencies=ruling.agencies.all()
                )
                if errors:
                    self.add_error("jurisdiction", f"Ruling “{ruling}” would list agencies outside it: {errors['agencies']}")
        return cleaned


@admin.register(Regulator)
class RegulatorAdmin(AuditedAdmin):
    form = RegulatorAdminForm
    list_display = ["name", "short_name", "jurisdiction", "level", "ruling_count", "website_link"]
    list_filter = [JurisdictionLevelFilter]
    search_fields = ["name", "short_name", "jurisdiction"]
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ruling_count=Count("rulings"))

    @admin.display(description="level")
    def level(self, regulator):
        return Level(level_of(regulator.jurisdiction)).label

    @admin.display(description="rulings", ordering="ruling_count")
    def ruling_count(self, regulator):
        return regulator.ruling_count

    @admin.display(description="website")
    def website_link(self, regulator):
        if not regulator.website:
            return "—"
        return format_html('<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>', regulator.website)


class RulingAdminForm(forms.ModelForm):
    """The ruling form; its ``clean`` checks the agencies as the services will."""

    class Meta:
        model = Ruling
        fields = "__all__"
        formfield_callback = https_formfield

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        if scope and "agencies" not in self.errors:
            errors = ruling_agencies_errors(
                regulator=cleaned.get("regulator"),
                decided_on=cleaned.get("decided_on"),
                scope=scope,
                agencies=cleaned.get("agencies") or [],
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return cleaned


STATUS_ACTION_DONE = {
    Ruling.Status.PUBLISHED: "published",
    Ruling.Status.DRAFT: "taken back to draft",
    Ruling.Status.OVERTURNED: "marked overturned",
    Ruling.Status.WITHDRAWN: "marked withdrawn",
}


@admin.register(Ruling)
class RulingAdmin(AuditedAdmin):
    form = RulingAdminForm
    date_hierarchy = "decided_on"
    list_display = ["title", "regulator", "decided_on", "outcome", "scope", "status", "published_at"]
    list_select_related = ["regulator"]
    list_filter = ["status", "outcome", "scope", ("regulator", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "summary", "regulator__name", "regulator__short_name"]
    autocomplete_fields = ["regulator", "agencies"]
    actions = ["publish", "unpublish", "mark_overturned", "mark_withdrawn"]
    list_per_page = 100
    @admin.display(description="link to the source")
    def source_link(self, ruling):
        if not ruling.source_url:
            return "—"
        return format_html('<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>', ruling.source_url)

    # --- Who may do what -----------------------------------------------------------

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def has_change_permission(self, request, obj=None):
        # Without the publish permission, only drafts are editable (SPEC §2).
        allowed = super().has_change_permission(request, obj)
        if obj is None or obj.status == Ruling.Status.DRAFT:
            return allowed
        return allowed and can_publish(request.user)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None or obj.status == Ruling.Status.DRAFT:
            return allowed
        return allowed and can_publish(request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can_publish(request.user):
            # The bulk delete asks for no per-ruling permission; drafts are deleted one by one.
            actions.pop("delete_selected", None)
        return actions

    def get_readonly_fields(self, request, obj=None):
        readonly = ["source_link", "published_at", "status_changed_at", "created_at", "updated_at"]
        if obj is not None:
            readonly.append("status")
        return readonly

    def get_fieldsets(self, request, obj=None):
        ruling = (None, {"fields": ["regulator", "title", "decided_on", "outcome", "scope", "agencies"]})
        fine = ("Fine", {"fields": ["fine_amount", "fine_currency"]})
        if obj is None:
            fieldsets = [ruling, fine, ("Text and source", {"fields": ["summary", "source_url"]})]
            if can_publish(request.user):
                # A publisher may record a ruling in any status; anyone else drafts it.
                fieldsets.append(("Status", {"fields": ["status"]}))
            return fieldsets
        return [
            ruling,
            fine,
            ("Text and source", {"fields": ["summary", "source_url", "source_link"]}),
            ("Status", {"fields": ["status", "published_at", "status_changed_at"]}),
            ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
        ]

    # --- Saving through the services ----------------------------------------------

    def save_model(self, request, obj, form, change):
        fields = {name: value for name, value in form.cleaned_data.items() if name != "agencies"}
        agencies = form.cleaned_data.get("agencies") or []
        if change:
            ruling_update(ruling=obj, user=request.user, agencies=agencies, **fields)
            return
        ruling = ruling_create(user=request.user, agencies=agencies, **fields)
        # The admin goes on with its own instance (for the log and the redirect).
        obj.pk = ruling.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The agencies were saved by the service, with the ruling; only inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # --- Status actions -------------------------------------------------------------

    def _change_status(self, request, queryset, status):
        done = []
        for ruling in queryset.select_related("regulator"):
            old_label = ruling.get_status_display()
            if ruling.status == status:
                self.message_user(request, f"“{ruling}” is already {ruling.get_status_display()}.", messages.WARNING)
                continue
            try:
                ruling_change_status(ruling=ruling, status=status, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"“{ruling}” was not changed: {reason}", messages.ERROR)
                continue
            self.log_change(request, ruling, f"Changed status from {old_label} to {ruling.get_status_display()}.")
            done.append(ruling)
        if done:
            names = ", ".join(f"“{ruling}”" for ruling in done)
            count = f"{len(done)} ruling{'s' if len(done) != 1 else ''}"
            self.message_user(request, f"{count} {STATUS_ACTION_DONE[status]}: {names}.", messages.SUCCESS)

    @admin.action(description="Publish", permissions=["publish"])
    def publish(self, request, queryset):
        self._change_status(request, queryset, Ruling.Status.PUBLISHED)

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._change_status(request, queryset, Ruling.Status.DRAFT)

    @admin.action(description="Mark overturned", permissions=["publish"])
    def mark_overturned(self, request, queryset):
        self._change_status(request, queryset, Ruling.Status.OVERTURNED)

    @admin.action(description="Mark withdrawn", permissions=["publish"])
    def mark_withdrawn(self, request, queryset):
        self._change_status(request, queryset, Ruling.Status.WITHDRAWN)
