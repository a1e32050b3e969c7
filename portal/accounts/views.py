from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def placeholder(request):
    return render(request, "portal/error.html", {"title": "Coming soon", "message": "This screen is being built."})
