"""The subscription pages: subscribe, confirm, manage and unsubscribe. All work without JavaScript."""

from urllib.parse import urlsplit

from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ..models import Subscription
from . import services
from .forms import DigestSettingsForm, FlagDigestSettingsForm, SubscribeForm
from .links import InvalidLink, read_manage_token, read_unsubscribe_token, unsubscribe_url
from .ratelimit import client_ip, subscribe_attempt

LINK_PROBLEMS = {
    "expired": "This confirmation link has expired. Subscribe again to receive a new one.",
    "invalid": "This link is not valid: it may have been cut short or altered. Copy the whole link from the email.",
    "superseded": "This confirmation link was sent before the address unsubscribed. Subscribe again to receive a new one.",
}


def _page(request, template, context=None, status=200):
    return render(request, f"digests/{template}", {"nav_section": "subscribe", **(context or {})}, status=status)


def _link_problem(request, reason):
    return _page(request, "link_problem.html", {"problem": LINK_PROBLEMS[reason]}, status=400)


@require_http_methods(["GET", "POST"])
def subscribe(request):
    """The subscription form. Its answer is the same whether or not the address is known."""
    if request.method == "POST":
        retry_after = subscribe_attempt(client_ip(request))
        if retry_after is not None:
            response = _page(request, "rate_limited.html", {"minutes": max(1, retry_after // 60)}, status=429)
            response["Retry-After"] = str(retry_after)
            return response
        form = SubscribeForm(request.POST)
        if form.is_valid():
            services.subscription_request(
                email=form.cleaned_data["email"],
                frequency=form.cleaned_data["frequency"],
                countries=form.cleaned_data["countries"],
                regulators=form.cleaned_data["regulators"],
            )
            return redirect("digests:requested")
        return _page(request, "subscribe.html", {"form": form}, status=400)
    return _page(request, "subscribe.html", {"form": SubscribeForm()})


@require_GET
def requested(request):
    return _page(request, "requested.html")


@require_GET
def confirm(request, token):
    """Following the emailed link confirms the address."""
    try:
        subscription = services.subscription_confirm(token=token)
    except InvalidLink as problem:
        return _link_problem(request, problem.reason)
    return _page(request, "confirmed.html", {"subscription": subscription})


def _subscription_from(token, reader):
    return Subscription.objects.filter(pk=reader(token)).first()


@require_http_methods(["GET", "POST"])
def manage(request, token):
    """Change frequency and filters, or unsubscribe, from the link in every digest."""
    try:
        subscription = _subscription_from(token, read_manage_token)
    except InvalidLink as problem:
        return _link_problem(request, problem.reason)
    if subscription is None:
        return _link_problem(request, "invalid")
    if not subscription.is_active:
        return _page(request, "manage_inactive.html", {"subscription": subscription})
    form_class = FlagDigestSettingsForm if subscription.kind == Subscription.Kind.FLAGS else DigestSettingsForm
    saved = False
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            services.subscription_update(
                subscription=subscription,
                frequency=form.cleaned_data["frequency"],
                countries=form.cleaned_data.get("countries", ()),
                regulators=form.cleaned_data.get("regulators", ()),
            )
            saved = True
    else:
        initial = {"frequency": subscription.frequency}
        if subscription.kind == Subscription.Kind.RULINGS:
            initial.update(countries=list(subscription.countries.all()), regulators=list(subscription.regulators.all()))
        form = form_class(initial=initial)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return _page(
        request,
        "manage.html",
        {"subscription": subscription, "form": form, "saved": saved, "unsubscribe_path": _unsubscribe_path(subscription)},
        status=status,
    )


def _unsubscribe_path(subscription):
    return urlsplit(unsubscribe_url(subscription)).path


# Mail clients POST here with no session and no CSRF token (RFC 8058 one-click); the
# signed link is the credential, and unsubscribing is the only thing it can do.
@csrf_exempt
def unsubscribe(request, token):
    """GET asks to confirm with a button; POST unsubscribes at once, without logging in."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        subscription = _subscription_from(token, read_unsubscribe_token)
    except InvalidLink as problem:
        return _link_problem(request, problem.reason)
    if subscription is None:
        return _link_problem(request, "invalid")
    if request.method == "POST":
        services.subscription_unsubscribe(subscription=subscription)
        return _page(request, "unsubscribed.html", {"subscription": subscription})
    return _page(
        request, "unsubscribe.html", {"subscription": subscription, "already": subscription.unsubscribed_at is not None}
    )
