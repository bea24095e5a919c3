"""Who may do what: reads are public, writes need the model's Django permissions."""

from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class ModelPermissionsOrReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads; writing needs a token of a user holding the model's add/change
    permission (401 without credentials, 403 without the permission).

    A method the endpoint does not offer is let through, so that the answer is 405
    whoever asks, rather than 401 for anonymous callers.
    """

    def has_permission(self, request, view):
        method = request.method.lower()
        if method not in view.http_method_names or not hasattr(view, method):
            return True
        return super().has_permission(request, view)
