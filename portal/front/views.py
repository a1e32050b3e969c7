from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


@login_required
def home(request):
    return redirect("accounts:list")


def forbidden(request, exception=None):
    return render(request, "portal/error.html",
                  {"title": "Not allowed", "message": str(exception) or "You do not have the privilege for this."},
                  status=403)
