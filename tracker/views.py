"""The public pages live in :mod:`tracker.site.views`."""

from .site.views import agency_detail, agency_table, country_detail, country_list, ruling_detail, ruling_list

__all__ = ["agency_detail", "agency_table", "country_detail", "country_list", "ruling_detail", "ruling_list"]
