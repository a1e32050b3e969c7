from portal.access.scoping import privileges_of


def admin_context(request):
    """`can.accounts`, `can.numbers`, … for templates (menus show only what the admin may use)."""
    user = getattr(request, "user", None)
    privileges = privileges_of(user) if user is not None else set()
    return {"can": {p: True for p in privileges}}
