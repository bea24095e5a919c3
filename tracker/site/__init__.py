"""The public site: the agency table, country and ruling pages, and the Atom feed."""
