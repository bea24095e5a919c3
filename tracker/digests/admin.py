"""Admin of digest subscriptions: see who subscribed, and give staff the digest of flags."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from ..models import Digest, Subscription
from .services import subscription_create_for_staff


class FlagDigestForm(forms.ModelForm):
    class Meta:
        model = Subscription
        fields = ["user", "frequency"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user is None:
            raise ValidationError("Choose the staff member who receives the digest of flags.")
        if not (user.is_staff and user.is_active):
            raise ValidationError("Only active staff members can receive the digest of flags.")
        if not user.email:
            raise ValidationError("This user has no email address.")
        return user


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "kind", "frequency", "confirmed_at", "unsubscribed_at", "created_at"]
    list_filter = ["kind", "frequency", ("confirmed_at", admin.EmptyFieldListFilter), ("unsubscribed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    readonly_fields = ["email", "kind", "created_at", "confirmed_at", "confirmation_sent_at", "unsubscribed_at"]
    filter_horizontal = ["countries", "regulators"]
    list_select_related = ["user"]

    def get_form(self, request, obj=None, **kwargs):
        # Adding here creates a digest of flags for a staff member; public subscriptions
        # are made by their owners, through the confirmation link.
        if obj is None:
            kwargs["form"] = FlagDigestForm
            kwargs["fields"] = ["user", "frequency"]
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["user", "frequency"], "description": "A digest of flags raised and cleared, for a staff member."})]
        return super().get_fieldsets(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = subscription_create_for_staff(user=form.cleaned_data["user"], frequency=form.cleaned_data["frequency"])
        obj.pk = created.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["id", "subscription", "status", "created_at", "sent_at", "attempts"]
    list_filter = ["status"]
    search_fields = ["subscription__email"]
    list_select_related = ["subscription"]
    readonly_fields = ["subscription", "status", "created_at", "sent_at", "attempts", "revision", "last_error"]

    def has_add_permission(self, request):
        return False
