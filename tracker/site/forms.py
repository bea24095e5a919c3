"""The filter forms of the public pages (read from the query string, never saved)."""

from django import forms

from agencies.jurisdictions import is_assigned_country_code
from agencies.models import Agency
from rulings.models import Ruling

from .selectors import AGENCY_ORDERINGS, AgencyStatus


class DescribedErrorsMixin:
    """Ties each field's error message to its control, so a screen reader reads both."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"


class FlatSelect(forms.Select):
    """A select whose options are written in one template, not one template each: the
    country list has two hundred of them on every page of the table."""

    template_name = "tracker/widgets/select.html"


class AgencyFilterForm(DescribedErrorsMixin, forms.Form):
    """Filters of the agency table; the names are those of the API's agency filters."""

    search = forms.CharField(label="Agency name", required=False, max_length=200, strip=True)
    country = forms.ChoiceField(label="Country", required=False, widget=FlatSelect)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "All kinds"), *[(value, label.capitalize()) for value, label in Agency.Kind.choices]])
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *AgencyStatus.choices])
    ordering = forms.ChoiceField(
        label="Sort by", required=False, choices=[(key, key) for key in AGENCY_ORDERINGS], widget=forms.HiddenInput
    )

    def __init__(self, *args, country_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(country_choices)
        # The select offers the countries that have agencies, but any ISO code is a fair
        # question whose answer may be "none"; such a code is checked without the database.
        asked = (self.data.get("country") or "") if self.is_bound else ""
        if asked and asked not in {code for code, _ in choices} and is_assigned_country_code(asked):
            choices.append((asked, asked))
        self.fields["country"].choices = [("", "All countries"), *choices]
        self.fields["search"].widget.attrs.update({"type": "search", "autocomplete": "off"})


class RulingFilterForm(DescribedErrorsMixin, forms.Form):
    """Filters of the rulings list: the public statuses and the outcomes."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *[(value, label.capitalize()) for value, label in Ruling.Status.choices if value != Ruling.Status.DRAFT]],
    )
    outcome = forms.ChoiceField(label="Outcome", required=False, choices=[("", "Any outcome"), *[(value, label.capitalize()) for value, label in Ruling.Outcome.choices]])
