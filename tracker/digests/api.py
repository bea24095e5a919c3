"""``POST /api/v1/subscriptions/``: ask for a digest; always 202, whatever the address."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.exceptions import Throttled
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from agencies.models import Country
from rulings.models import Regulator

from ..models import Subscription
from . import services
from .ratelimit import client_ip, subscribe_attempt

ACCEPTED_DETAIL = (
    "If the address can receive email, a message is on its way to it. "
    "A new subscription starts when the confirmation link in it is followed."
)


class SubscriptionRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    frequency = serializers.ChoiceField(choices=Subscription.Frequency.choices)
    countries = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Country.objects.all(),
        many=True,
        required=False,
        help_text="ISO 3166-1 alpha-2 codes: rulings whose regulator's jurisdiction lies in or covers one of them.",
    )
    regulators = serializers.PrimaryKeyRelatedField(
        queryset=Regulator.objects.all(), many=True, required=False, help_text="Regulator ids."
    )

    def to_internal_value(self, data):
        # A JSON object is iterable too; DRF's many=True fields would take {} for [].
        if hasattr(data, "get"):
            not_lists = {
                name: ["Expected a list of items but got type “%s”." % type(data[name]).__name__]
                for name in ("countries", "regulators")
                if name in data and not isinstance(data[name], list)
            }
            if not_lists:
                raise serializers.ValidationError(not_lists)
        # Country codes are matched in capitals, as everywhere in the API.
        if hasattr(data, "get") and isinstance(data.get("countries"), list):
            data = {**data, "countries": [c.upper() if isinstance(c, str) else c for c in data["countries"]]}
        return super().to_internal_value(data)


class SubscriptionViewSet(viewsets.GenericViewSet):
    """Subscribe an address to email digests of newly published rulings (double opt-in)."""

    serializer_class = SubscriptionRequestSerializer
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser]
    queryset = Subscription.objects.none()

    @extend_schema(
        request=SubscriptionRequestSerializer,
        responses={
            202: OpenApiResponse(
                inline_serializer("SubscriptionAccepted", {"detail": serializers.CharField()}),
                description="The same answer for a new, pending or already subscribed address.",
            ),
            400: OpenApiResponse(description="A field is missing or wrong; the body names it."),
            429: OpenApiResponse(description="Too many requests from this client; see Retry-After."),
        },
    )
    def create(self, request):
        retry_after = subscribe_attempt(client_ip(request))
        if retry_after is not None:
            raise Throttled(wait=retry_after)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.subscription_request(
            email=serializer.validated_data["email"],
            frequency=serializer.validated_data["frequency"],
            countries=serializer.validated_data.get("countries", []),
            regulators=serializer.validated_data.get("regulators", []),
        )
        return Response({"detail": ACCEPTED_DETAIL}, status=status.HTTP_202_ACCEPTED)
