from django.http import HttpResponse


def home(request, **kwargs):
    return HttpResponse("Regulatory-status tracker")
