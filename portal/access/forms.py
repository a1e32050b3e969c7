from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from portal.access.models import Privilege, Role
from portal.access.scoping import is_operator, privileges_of
from portal.access.services import roles_visible_to
from portal.lib.dates import zone_names
from portal.organizations.choices import organizations_in_scope

MULTI = forms.CheckboxSelectMultiple
TEMPLATE = ""  # The role form's organization choice for an operator template.


def grantable_roles(user):
    """The roles `user` may give: those it sees (templates, its organizations' and those above)
    with no privilege `user` lacks."""
    roles = list(roles_visible_to(user).select_related("organization").order_by("name", "pk"))
    if is_operator(user):
        return roles
    mine = privileges_of(user)
    return [r for r in roles if set(r.privileges) <= mine]


def role_label(role: Role) -> str:
    owner = role.organization.name if role.organization_id else _("template")
    privileges = ", ".join(role.privilege_labels()) or _("no privileges")
    return f"{role.name} ({owner}) — {privileges}"


class _ScopeMixin:
    def setup_scope(self, user):
        self.scope = {o.slug: o for o in organizations_in_scope(user)}
        self.fields["organizations"].choices = [(o.slug, o.label) for o in self.scope.values()]
        self.roles = {str(r.pk): r for r in grantable_roles(user)}
        self.fields["role"].choices = [("", _("Choose a role…"))] + [
            (pk, role_label(r)) for pk, r in self.roles.items()
        ]

    def chosen_organizations(self):
        return [self.scope[s] for s in self.cleaned_data["organizations"]]

    def chosen_role(self):
        return self.roles[self.cleaned_data["role"]]


class AdminCreateForm(_ScopeMixin, forms.Form):
    username = forms.CharField(max_length=150, label=gettext_lazy("Username"))
    email = forms.EmailField(label=gettext_lazy("Email"))
    first_name = forms.CharField(max_length=150, required=False, label=gettext_lazy("First name"))
    last_name = forms.CharField(max_length=150, required=False, label=gettext_lazy("Last name"))
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
        label=gettext_lazy("Password"),
        help_text=gettext_lazy(
            "Optional. Leave it empty and the admin gets an email with a link to choose one; "
            "a password you set here is changed at the admin's first sign-in."
        ),
    )
    api_only = forms.BooleanField(
        required=False,
        label=gettext_lazy("Service admin (API only)"),
        help_text=gettext_lazy(
            "No password and no portal sign-in: it works only through API tokens, which an "
            "admin with API Users and all of its role's privileges may issue."
        ),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    organizations = forms.MultipleChoiceField(
        widget=MULTI,
        label=gettext_lazy("Organizations"),
        help_text=gettext_lazy("Each with its sub-organizations."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_scope(user)


class AdminEditForm(_ScopeMixin, forms.Form):
    email = forms.EmailField(
        required=False,
        label=gettext_lazy("Email"),
        help_text=gettext_lazy("Left empty, it stays as it is."),
    )
    first_name = forms.CharField(max_length=150, required=False, label=gettext_lazy("First name"))
    last_name = forms.CharField(max_length=150, required=False, label=gettext_lazy("Last name"))
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    organizations = forms.MultipleChoiceField(
        widget=MULTI,
        label=gettext_lazy("Organizations"),
        help_text=gettext_lazy("Each with its sub-organizations."),
    )
    is_active = forms.BooleanField(
        required=False, label=gettext_lazy("Active (may log in and use its API tokens)")
    )

    def __init__(self, *args, user, admin, **kwargs):
        profile = getattr(admin, "admin", None)
        initial = {
            "is_active": admin.is_active,
            "email": admin.email,
            "first_name": admin.first_name,
            "last_name": admin.last_name,
        }
        if profile is not None:
            initial.update(
                role=str(profile.role_id),
                organizations=[o.slug for o in profile.organizations.all()],
            )
        super().__init__(*args, initial=initial, **kwargs)
        self.setup_scope(user)


class RoleForm(forms.Form):
    name = forms.CharField(max_length=80, label=gettext_lazy("Name"))
    organization = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Organization"),
        help_text=gettext_lazy(
            "Admins of this organization and of its sub-organizations can "
            "be given the role; its admins can change it."
        ),
    )
    privileges = forms.MultipleChoiceField(
        widget=MULTI, required=False, label=gettext_lazy("Privileges")
    )

    def __init__(self, *args, user, role: Role | None = None, **kwargs):
        initial = {"name": role.name, "privileges": role.privileges} if role else {}
        super().__init__(*args, initial=initial, **kwargs)
        if role is not None:
            del self.fields["organization"]  # A role stays with its organization.
        else:
            self.scope = {o.slug: o for o in organizations_in_scope(user)}
            choices = [(o.slug, o.label) for o in self.scope.values()]
            if is_operator(user):
                choices.insert(0, (TEMPLATE, _("Template for every organization (operator)")))
            else:
                self.fields["organization"].required = True
            self.fields["organization"].choices = choices
        mine = privileges_of(user)
        self.fields["privileges"].choices = [
            (p.value, p.label) for p in Privilege if p.value in mine
        ]
        self.fields["privileges"].help_text = _("You can only grant privileges you have yourself.")

    def chosen_organization(self):
        return self.scope.get(self.cleaned_data.get("organization") or TEMPLATE)


class TokenIssueForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        required=False,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("What it is for, e.g. “HR sync”."),
    )
    user = forms.ChoiceField(label=gettext_lazy("For admin"))
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Expires in (days)"), min_value=1, required=False
    )

    def __init__(self, *args, user, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {str(u.pk): u for u in users}
        self.fields["user"].choices = [(pk, u.get_username()) for pk, u in self.users.items()]
        self.fields["user"].initial = str(user.pk)
        days = self.fields["expires_in_days"]
        days.max_value, days.initial = settings.API_TOKEN_MAX_DAYS, settings.API_TOKEN_DEFAULT_DAYS
        days.validators.append(MaxValueValidator(settings.API_TOKEN_MAX_DAYS))
        days.widget.attrs.update(max=settings.API_TOKEN_MAX_DAYS, min=1)


def _language_choices():
    from django.utils.translation import get_language_info
    from django.utils.translation import gettext as _

    return [("", _("The browser's language"))] + [
        (code, _capital(get_language_info(code)["name_local"]))
        for code, _name in settings.LANGUAGES
    ]


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]  # "italiano" → "Italiano", as a list item


def _zone_choices():
    return [("", gettext("The portal's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE})] + [
        (name, name.replace("_", " ")) for name in zone_names()
    ]


class PreferencesForm(forms.Form):
    """An admin's own language and time zone (portal.access.middleware applies them)."""

    language = forms.ChoiceField(required=False)
    time_zone = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices()
        self.fields["time_zone"].choices = _zone_choices()
