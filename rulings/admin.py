"""Staff curation of regulators, rulings and proceedings in the Django admin.

Regulators, rulings and proceedings are written only through :mod:`rulings.services`, as
everywhere else (:class:`agencies.admin.ServiceAdmin`): the edit forms translate what the
curator typed — sources as URLs or JSON, a currency in any letter case — and whatever the
model or the services refuse is shown as form errors, with nothing half-saved.

A ruling's or proceeding's status is never a form field on an existing record. It changes
only through the list's actions (rulings: publish, unpublish, mark withdrawn; proceedings:
publish, unpublish), offered to holders of the *publish ruling* permission and run one record
at a time through ``ruling_change_status`` / ``proceeding_change_status``; what the rules
forbid is reported for that record. Without that permission a user creates and edits
drafts only: a published ruling or proceeding is shown read-only (SPEC §2).

A ruling's page shows its standing today (computed from its published proceedings, never
entered) and lists its proceedings in order, each linking to its own page.

Flags belong to ``tracker``, which this app must not import: ``tracker/admin.py`` extends
the Ruling admin with the read-only inline of the flags a ruling raised.
"""

from __future__ import annotations


from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from agencies.admin import AliasesField, ServiceAdmin, SourcesField, https_formfield, source_links
from agencies.jurisdictions import Level, level_of
from agencies.models import Bloc

from .dates import format_date
from .models import Proceeding, Regulator, Ruling
from .services import (
    can_publish,
    proceeding_change_status,
    proceeding_create,
    proceeding_update,
    regulator_create,
    regulator_update,
    ruling_agencies_errors,
    ruling_change_status,
    ruling_create,
    ruling_update,
)
from .standing import Standing


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
    aliases = AliasesField(required=False, help_text="Other names it is known by, one a line, e.g. “IMY”.")

    class Meta:
        model = Regulator
        fields = "__all__"
        formfield_callback = https_formfield
        labels = {"wikidata": "Wikidata item"}



@admin.register(Regulator)
class RegulatorAdmin(ServiceAdmin):
    form = RegulatorAdminForm
    list_display = ["name", "short_name", "jurisdiction", "level", "ruling_count", "website_link"]
    list_filter = [JurisdictionLevelFilter]
    search_fields = ["name", "short_name", "aliases", "jurisdiction", "wikidata"]
    list_per_page = 100
    fields = ["name", "short_name", "aliases", "jurisdiction", "website", "wikidata"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ruling_count=Count("rulings"))

    def create(self, request, fields):
        return regulator_create(**fields)

    def update(self, request, obj, fields, form):
        regulator_update(regulator=obj, user=request.user, **fields)

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


# --- What rulings and proceedings share -------------------------------------------------


class DecisionFormMixin:
    """Input translation shared by the ruling and proceeding forms."""

    def clean_fine_currency(self):
        # An ISO 4217 code is accepted in any letter case and stored in capitals.
        currency = self.cleaned_data.get("fine_currency")
        if isinstance(currency, str):
            return currency.strip().upper() or None
        return currency


DECIDED_ON_HELP = (
    "For a month or a year, any day in it will do: the first day of the period is stored, "
    "and the date is printed at its precision (“February 2021”)."
)
CURRENCY_HELP = "ISO 4217, in the currency the decision states, e.g. “SEK” (any letter case)."
DECISION_LABELS = {"decided_on_precision": "precision", "ecli": "ECLI", "fine_currency": "currency"}


def decided_words(record) -> str:
    """A decision date at its precision: "3 February 2021", "February 2021" or "2021"."""
    return format_date(record.decided_on, record.decided_on_precision)


def change_status_of_selected(model_admin, request, queryset, status, *, change_status, done_words: dict) -> None:
    """Change the status of each selected record through ``change_status``, one at a time.

    A record already in that status, or one the rules refuse, is reported on its own; the
    others are changed, logged and reported together.
    """
    done = []
    noun = model_admin.model._meta.verbose_name
    for record in queryset:
        old_label = record.get_status_display()
        if record.status == status:
            model_admin.message_user(request, f"“{record}” is already {old_label}.", messages.WARNING)
            continue
        try:
            change_status(record, status, request.user)
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            model_admin.message_user(request, f"“{record}” was not changed: {reason}", messages.ERROR)
            continue
        model_admin.log_change(request, record, f"Changed status from {old_label} to {record.get_status_display()}.")
        done.append(record)
    if done:
        names = ", ".join(f"“{record}”" for record in done)
        count = f"{len(done)} {noun if len(done) == 1 else model_admin.model._meta.verbose_name_plural}"
        model_admin.message_user(request, f"{count} {done_words[status]}: {names}.", messages.SUCCESS)


class DraftsOnlyWithoutPublishMixin:
    """Without *publish ruling*, only drafts may be edited or deleted (SPEC §2); a record
    in any other status is shown read-only. Drafts are listed only for users who may
    change rulings."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.has_perm("rulings.change_ruling"):
            return queryset
        return queryset.public()

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or obj.status == obj.Status.DRAFT:
            return allowed
        return allowed and can_publish(request.user)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None or obj.status == obj.Status.DRAFT:
            return allowed
        return allowed and can_publish(request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can_publish(request.user):
            # The bulk delete asks for no per-record permission; drafts are deleted one by one.
            actions.pop("delete_selected", None)
        return actions


# --- Rulings ----------------------------------------------------------------------------


class RulingAdminForm(DecisionFormMixin, forms.ModelForm):
    """The ruling form; its ``clean`` checks the agencies as the services will."""

    sources = SourcesField(required=True)

    class Meta:
        model = Ruling
        fields = "__all__"
        formfield_callback = https_formfield
        help_texts = {"decided_on": DECIDED_ON_HELP, "fine_currency": CURRENCY_HELP}
        labels = DECISION_LABELS

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


RULING_STATUS_DONE = {
    Ruling.Status.PUBLISHED: "published",
    Ruling.Status.DRAFT: "taken back to draft",
    Ruling.Status.WITHDRAWN: "marked withdrawn",
}


@admin.register(Ruling)
class RulingAdmin(DraftsOnlyWithoutPublishMixin, ServiceAdmin):
    form = RulingAdminForm
    date_hierarchy = "decided_on"
    list_display = [
        "title", "regulator", "decided", "outcome", "concerns", "scope", "status", "standing_column", "published_at",
    ]  # fmt: skip
    list_select_related = ["regulator"]
    list_filter = [
        "status",
        "outcome",
        "concerns",
        "scope",
        "decided_on_precision",
        ("regulator", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "summary", "case_reference", "ecli", "regulator__name", "regulator__short_name"]
    autocomplete_fields = ["regulator", "agencies"]
    actions = ["publish", "unpublish", "mark_withdrawn"]
    list_per_page = 100

    def get_queryset(self, request):
        # The standing column and the page's list of proceedings read them from here.
        return super().get_queryset(request).prefetch_related(
            Prefetch("proceedings", queryset=Proceeding.objects.order_by("decided_on", "id"))
        )

    # --- What the pages show --------------------------------------------------------

    @admin.display(description="decided", ordering="decided_on")
    def decided(self, ruling):
        return decided_words(ruling)

    @admin.display(description="standing today")
    def standing_column(self, ruling):
        return Standing(ruling.standing_on(timezone.localdate()).standing).label

    @admin.display(description="standing today")
    def standing_today(self, ruling):
        result = ruling.standing_on(timezone.localdate())
        label = Standing(result.standing).label
        if result.since is None:
            if result.standing == Standing.IN_FORCE:
                return f"{label} since its decision of {decided_words(ruling)}"
            return label
        return format_html(
            '{} since {}: <a href="{}">{}</a>, {}',
            label,
            decided_words(result.since),
            reverse("admin:rulings_proceeding_change", args=[result.since.pk]),
            result.since.body,
            result.since.get_effect_display(),
        )

    @admin.display(description="proceedings, in order")
    def proceedings_list(self, ruling):
        proceedings = sorted(ruling.proceedings.all(), key=lambda p: (p.decided_on, p.pk))
        rows = format_html_join(
            "",
            '<li><a href="{}">{}: {}, {}</a>{} ({})</li>',
            (
                (
                    reverse("admin:rulings_proceeding_change", args=[proceeding.pk]),
                    decided_words(proceeding),
                    proceeding.body,
                    proceeding.get_effect_display(),
                    f" — {proceeding.case_reference}" if proceeding.case_reference else "",
                    proceeding.get_status_display(),
                )
                for proceeding in proceedings
            ),
        )
        listing = format_html('<ol class="proceedings">{}</ol>', rows) if proceedings else "None recorded yet."
        if not getattr(ruling, "may_add_proceeding", False):
            return listing
        add = reverse("admin:rulings_proceeding_add") + "?" + urlencode({"ruling": ruling.pk})
        return format_html('{}<p><a class="addlink" href="{}">Add a proceeding</a></p>', listing, add)

    @admin.display(description="first source")
    def source_link(self, ruling):
        if not ruling.source_url:
            return "—"
        return format_html('<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>', ruling.source_url)

    @admin.display(description="the sources, as links")
    def source_links(self, ruling):
        return source_links(ruling.sources)

    def get_object(self, request, object_id, from_field=None):
        ruling = super().get_object(request, object_id, from_field)
        if ruling is not None:
            # The list of proceedings offers its "add" link only to those who may add one.
            ruling.may_add_proceeding = request.user.has_perm("rulings.add_proceeding")
        return ruling

    def get_readonly_fields(self, request, obj=None):
        readonly = ["source_link", "source_links", "standing_today", "proceedings_list"]
        readonly += ["published_at", "status_changed_at", "created_at", "updated_at"]
        if obj is not None:
            readonly.append("status")
        return readonly

    def get_fieldsets(self, request, obj=None):
        ruling = (
            None,
            {
                "fields": [
                    "regulator",
                    "title",
                    ("decided_on", "decided_on_precision"),
                    "announced_on",
                    "outcome",
                    "concerns",
                    "scope",
                    "agencies",
                ]
            },
        )
        reference = ("Case", {"fields": ["case_reference", "ecli"]})
        fine = ("Fine", {"fields": [("fine_amount", "fine_currency"), "fine_notes"]})
        text = ["summary", "sources", "last_verified_on"]
        if obj is None:
            fieldsets = [ruling, reference, fine, ("Text and sources", {"fields": text})]
            if can_publish(request.user):
                # A publisher may record a ruling in any status; anyone else drafts it.
                fieldsets.append(("Status", {"fields": ["status"]}))
            return fieldsets
        return [
            ruling,
            reference,
            fine,
            ("Text and sources", {"fields": [*text, "source_links", "source_link"]}),
            ("Status and standing", {"fields": ["status", "published_at", "status_changed_at", "standing_today"]}),
            ("Proceedings", {"fields": ["proceedings_list"]}),
            ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
        ]

    # --- Saving through the services ----------------------------------------------

    def create(self, request, fields):
        agencies = fields.pop("agencies", None) or []
        return ruling_create(user=request.user, agencies=agencies, **fields)

    def update(self, request, obj, fields, form):
        agencies = fields.pop("agencies", None)  # None: the form has no agencies, keep them
        ruling_update(ruling=obj, user=request.user, agencies=agencies, **fields)

    # --- Status actions -------------------------------------------------------------

    def _change_status(self, request, queryset, status):
        change_status_of_selected(
            self,
            request,
            queryset.select_related("regulator"),
            status,
            change_status=lambda ruling, new, user: ruling_change_status(ruling=ruling, status=new, user=user),
            done_words=RULING_STATUS_DONE,
        )

    @admin.action(description="Publish", permissions=["publish"])
    def publish(self, request, queryset):
        self._change_status(request, queryset, Ruling.Status.PUBLISHED)

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._change_status(request, queryset, Ruling.Status.DRAFT)

    @admin.action(description="Mark withdrawn", permissions=["publish"])
    def mark_withdrawn(self, request, queryset):
        self._change_status(request, queryset, Ruling.Status.WITHDRAWN)


# --- Proceedings ------------------------------------------------------------------------


class ProceedingAdminForm(DecisionFormMixin, forms.ModelForm):
    sources = SourcesField(required=True)

    class Meta:
        model = Proceeding
        fields = "__all__"
        help_texts = {"decided_on": DECIDED_ON_HELP, "fine_currency": CURRENCY_HELP}
        labels = DECISION_LABELS


PROCEEDING_STATUS_DONE = {Proceeding.Status.PUBLISHED: "published", Proceeding.Status.DRAFT: "taken back to draft"}


@admin.register(Proceeding)
class ProceedingAdmin(DraftsOnlyWithoutPublishMixin, ServiceAdmin):
    """What happened to a ruling after it was decided; its effect moves the ruling's standing.

    A proceeding stays with the ruling it was recorded on (its ruling is read-only once
    saved: the flags of the ruling it left would otherwise go stale).
    """

    form = ProceedingAdminForm
    date_hierarchy = "decided_on"
    list_display = ["ruling", "body", "decided", "effect", "status", "published_at"]
    list_display_links = ["body", "decided"]
    list_select_related = ["ruling"]
    list_filter = ["status", "effect", "decided_on_precision", ("ruling__regulator", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["body", "case_reference", "ecli", "summary", "ruling__title"]
    autocomplete_fields = ["ruling"]
    actions = ["publish", "unpublish"]
    list_per_page = 100

    @admin.display(description="decided", ordering="decided_on")
    def decided(self, proceeding):
        return decided_words(proceeding)

    @admin.display(description="ruling")
    def ruling_link(self, proceeding):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:rulings_ruling_change", args=[proceeding.ruling_id]), proceeding.ruling
        )

    @admin.display(description="the sources, as links")
    def source_links(self, proceeding):
        return source_links(proceeding.sources)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["source_links", "published_at", "created_at", "updated_at"]
        if obj is not None:
            readonly += ["ruling_link", "status"]
        return readonly

    def get_fieldsets(self, request, obj=None):
        decision = [
            "ruling_link" if obj is not None else "ruling",
            "body",
            ("decided_on", "decided_on_precision"),
            "effect",
            "case_reference",
            "ecli",
        ]
        fine = ("Fine (effect “varied” only)", {"fields": [("fine_amount", "fine_currency")]})
        if obj is None:
            fieldsets = [(None, {"fields": decision}), fine, ("Text and sources", {"fields": ["summary", "sources"]})]
            if can_publish(request.user):
                # A publisher may record a proceeding already published; anyone else drafts it.
                fieldsets.append(("Status", {"fields": ["status"]}))
            return fieldsets
        return [
            (None, {"fields": decision}),
            fine,
            ("Text and sources", {"fields": ["summary", "sources", "source_links"]}),
            ("Status", {"fields": ["status", "published_at"]}),
            ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
        ]

    def create(self, request, fields):
        return proceeding_create(user=request.user, **fields)

    def update(self, request, obj, fields, form):
        proceeding_update(proceeding=obj, user=request.user, **fields)

    def _change_status(self, request, queryset, status):
        change_status_of_selected(
            self,
            request,
            queryset.select_related("ruling"),
            status,
            change_status=lambda proceeding, new, user: proceeding_change_status(proceeding=proceeding, status=new, user=user),
            done_words=PROCEEDING_STATUS_DONE,
        )

    @admin.action(description="Publish", permissions=["publish"])
    def publish(self, request, queryset):
        self._change_status(request, queryset, Proceeding.Status.PUBLISHED)

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._change_status(request, queryset, Proceeding.Status.DRAFT)
