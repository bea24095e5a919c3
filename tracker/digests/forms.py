"""Forms of the subscription pages: subscribe, and change a subscription from its manage link."""

from django import forms

from agencies.models import Country
from rulings.models import Regulator

from ..models import Subscription


class _RegulatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, regulator):
        return f"{regulator.name} ({regulator.jurisdiction})"


class _CountryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, country):
        return f"{country.name} ({country.code})"


class DigestSettingsForm(forms.Form):
    frequency = forms.ChoiceField(
        label="How often",
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
    countries = _CountryChoiceField(
        label="Countries",
        queryset=Country.objects.order_by("name"),
        to_field_name="code",
        required=False,
        help_text="Only rulings by regulators of these countries, of their regions, or of blocs they belonged to. "
        "None selected: every country. Hold Ctrl (⌘ on a Mac) to select several.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    regulators = _RegulatorChoiceField(
        label="Regulators",
        queryset=Regulator.objects.order_by("name"),
        required=False,
        help_text="Only rulings by these regulators. None selected: every regulator.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


class SubscribeForm(DigestSettingsForm):
    email = forms.EmailField(label="Email address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    field_order = ["email", "frequency", "countries", "regulators"]


class FlagDigestSettingsForm(forms.Form):
    frequency = forms.ChoiceField(label="How often", choices=Subscription.Frequency.choices, widget=forms.RadioSelect)
