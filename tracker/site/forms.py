"""The filter forms of the public pages (read from the query string, never saved)."""

from django import forms

from agencies.iso import is_assigned_country_code
from agencies.models import Agency
from rulings.models import Ruling
from rulings.standing import Standing

from .selectors import AGENCY_ORDERINGS, AgencyStatus


class DescribedErrorsMixin:
    """Ties each field's hint and error message to its control, so a screen reader reads them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text and not field.widget.is_hidden:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-hint"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                described = [f"{self[name].auto_id}-error"]
                if self.fields[name].help_text:
                    described.append(f"{self[name].auto_id}-hint")
                self.fields[name].widget.attrs["aria-describedby"] = " ".join(described)


def _country_choices(form, field: str, country_choices) -> list[tuple[str, str]]:
    """The countries offered, plus any other assigned ISO code asked for: such a question
    is fair, its answer may be "none", and the code is checked without the database."""
    choices = list(country_choices)
    asked = (form.data.get(field) or "") if form.is_bound else ""
    if asked and asked not in {code for code, _ in choices} and is_assigned_country_code(asked):
        choices.append((asked, asked))
    return choices


class FlatSelect(forms.Select):
    """A select whose options are written in one template, not one template each: the
    country list has two hundred of them on every page of the table."""

    template_name = "tracker/widgets/select.html"


class AgencyFilterForm(DescribedErrorsMixin, forms.Form):
    """Filters of the agency table; the names are those of the API's agency filters."""

    search = forms.CharField(
        label="Agency name",
        required=False,
        max_length=200,
        strip=True,
        help_text="Names and other names, e.g. “RCMP”.",
    )
    country = forms.ChoiceField(label="Country", required=False, widget=FlatSelect)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "All kinds"), *[(value, label.capitalize()) for value, label in Agency.Kind.choices]])
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *AgencyStatus.choices])
    ordering = forms.ChoiceField(
        label="Sort by", required=False, choices=[(key, key) for key in AGENCY_ORDERINGS], widget=forms.HiddenInput
    )

    def __init__(self, *args, country_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The select offers the countries that have agencies.
        self.fields["country"].choices = [("", "All countries"), *_country_choices(self, "country", country_choices)]
        self.fields["search"].widget.attrs.update({"type": "search", "autocomplete": "off"})


# The standings a public ruling can have (a draft is never public).
PUBLIC_STANDINGS = [(value, label.capitalize()) for value, label in Standing.choices if value != Standing.DRAFT]


class RulingFilterForm(DescribedErrorsMixin, forms.Form):
    """Filters of the rulings list: words, the country it concerns, the regulator, the
    outcome and the standing today."""

    search = forms.CharField(
        label="Search rulings",
        required=False,
        max_length=200,
        strip=True,
        help_text="Title, case reference, ECLI or regulator.",
    )
    country = forms.ChoiceField(label="Country", required=False, widget=FlatSelect)
    regulator = forms.TypedChoiceField(label="Regulator", required=False, coerce=int, empty_value=None, widget=FlatSelect)
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Any outcome"), *[(value, label.capitalize()) for value, label in Ruling.Outcome.choices]],
    )
    standing = forms.ChoiceField(label="Standing today", required=False, choices=[("", "Any standing"), *PUBLIC_STANDINGS])

    def __init__(self, *args, country_choices=(), regulator_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "All countries"), *_country_choices(self, "country", country_choices)]
        self.fields["regulator"].choices = [("", "All regulators"), *[(str(pk), name) for pk, name in regulator_choices]]
        self.fields["search"].widget.attrs.update({"type": "search", "autocomplete": "off"})
