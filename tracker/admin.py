"""Flags in the Django admin: shown everywhere they matter, edited nowhere.

Flags are computed by the flagging rule, never by hand, so their admin and inlines are
read-only for everyone (no add, change or delete, whatever the user's permissions).

The Agency and Ruling admins are defined in their own apps, which must not import this
one. This module extends them with what concerns flags - the flagged column and filter on
agencies, the inline of flags on an agency and on a ruling - by subclassing each and
registering the subclass in place of the original (``unregister`` then ``register``). The
apps stay unaware of flags, and staff see a single admin per model.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import BooleanField, ExpressionWrapper
from django.urls import reverse
from django.utils.html import format_html

from agencies.admin import AgencyAdmin
from agencies.models import Agency
from rulings.admin import RulingAdmin
from rulings.models import Ruling

from .digests import admin as digests_admin  # noqa: F401  (the digests' admin lives with them; this registers it)
from .models import Flag
from .selectors import AgencyStatus, agency_flag_status_q

# A ruling about a whole jurisdiction may flag thousands of agencies; its page shows the
# latest ones and the Flags list, filtered by ruling, has them all.
RULING_PAGE_FLAGS = 100


def flagged_q(request):
    """Flagged (SPEC §3) as the one definition says it, counting the flags the user may see."""
    return agency_flag_status_q(AgencyStatus.FLAGGED, user=request.user)


def admin_link(obj) -> str:
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "agency", "ruling", "severity", "basis", "timing", "under_appeal", "active", "raised_at", "cleared_at", "cleared_reason",
    ]  # fmt: skip
    list_select_related = ["agency", "ruling"]
    list_filter = ["severity", "basis", "under_appeal", "active", "timing"]
    search_fields = ["agency__name", "ruling__title"]
    date_hierarchy = "raised_at"
    list_per_page = 100
    fields = [
        "agency_link",
        "ruling_link",
        "severity",
        "basis",
        "timing",
        "under_appeal",
        "active",
        "raised_at",
        "cleared_at",
        "cleared_reason",
        "explanation",
        "updated_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return Flag.objects.visible_to(request.user).select_related("agency", "ruling")

    @admin.display(description="agency")
    def agency_link(self, flag):
        return admin_link(flag.agency)

    @admin.display(description="ruling")
    def ruling_link(self, flag):
        return admin_link(flag.ruling)


class LatestFlagsFormSet(forms.BaseInlineFormSet):
    """The inline's flags, newest first, at most ``max_shown`` of them."""

    max_shown = None

    def get_queryset(self):
        if not hasattr(self, "_latest_flags"):
            queryset = super().get_queryset().order_by("-active", "-raised_at", "-id")
            self._latest_flags = queryset[: self.max_shown] if self.max_shown else queryset
        return self._latest_flags


# What a flag's row shows on its agency's and its ruling's page, besides the other party.
FLAG_INLINE_FIELDS = [
    "severity", "basis", "timing", "under_appeal", "active", "raised_at", "cleared_at", "cleared_reason", "explanation",
]  # fmt: skip


class FlagInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Flag
    formset = LatestFlagsFormSet
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        # Each row's heading names both the agency and the ruling.
        return super().get_queryset(request).select_related("agency", "ruling")


class AgencyFlagInline(FlagInline):
    fk_name = "agency"
    verbose_name_plural = "flags (computed from the rulings; read-only)"
    fields = ["ruling_link", *FLAG_INLINE_FIELDS]
    readonly_fields = fields

    @admin.display(description="ruling")
    def ruling_link(self, flag):
        return admin_link(flag.ruling)


class RulingFlagsFormSet(LatestFlagsFormSet):
    max_shown = RULING_PAGE_FLAGS


class RulingFlagInline(FlagInline):
    fk_name = "ruling"
    formset = RulingFlagsFormSet
    verbose_name_plural = f"flags raised (read-only; the {RULING_PAGE_FLAGS} latest here, all of them under Flags)"
    fields = ["agency_link", *FLAG_INLINE_FIELDS]
    readonly_fields = fields

    @admin.display(description="agency")
    def agency_link(self, flag):
        return admin_link(flag.agency)


class FlaggedFilter(admin.SimpleListFilter):
    title = "flagged"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", "flagged (active unlawful flag)"), ("no", "not flagged")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(flagged_q(request))
        if self.value() == "no":
            return queryset.exclude(flagged_q(request))
        return queryset


class FlaggedAgencyAdmin(AgencyAdmin):
    """The agency admin with its flags: a flagged column and filter, and the flags inline."""

    list_display = [*AgencyAdmin.list_display, "flagged"]
    list_filter = [FlaggedFilter, *AgencyAdmin.list_filter]
    inlines = [*AgencyAdmin.inlines, AgencyFlagInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            is_flagged=ExpressionWrapper(flagged_q(request), output_field=BooleanField())
        )

    @admin.display(description="flagged", boolean=True, ordering="is_flagged")
    def flagged(self, agency):
        return agency.is_flagged


class FlaggingRulingAdmin(RulingAdmin):
    """The ruling admin with the read-only inline of the flags the ruling raised."""

    inlines = [*RulingAdmin.inlines, RulingFlagInline]


admin.site.unregister(Agency)
admin.site.register(Agency, FlaggedAgencyAdmin)
admin.site.unregister(Ruling)
admin.site.register(Ruling, FlaggingRulingAdmin)
