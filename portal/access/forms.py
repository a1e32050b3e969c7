from __future__ import annotations

from django import forms

from portal.access.models import Privilege, Role
from portal.access.scoping import is_operator, privileges_of
from portal.organizations.choices import organizations_in_scope

MULTI = forms.CheckboxSelectMultiple


def grantable_roles(user):
    """The roles `user` may give: those with no privilege `user` lacks."""
    roles = list(Role.objects.all())
    if is_operator(user):
        return roles
    mine = privileges_of(user)
    return [r for r in roles if set(r.privileges) <= mine]


class _ScopeMixin:
    def setup_scope(self, user):
        self.scope = {o.slug: o for o in organizations_in_scope(user)}
        self.fields["organizations"].choices = [(o.slug, o.label) for o in self.scope.values()]
        self.roles = {str(r.pk): r for r in grantable_roles(user)}
        self.fields["role"].choices = [("", "Choose a role…")] + [
            (pk, f"{r.name} — {', '.join(r.privilege_labels()) or 'no privileges'}") for pk, r in self.roles.items()]

    def chosen_organizations(self):
        return [self.scope[s] for s in self.cleaned_data["organizations"]]

    def chosen_role(self):
        return self.roles[self.cleaned_data["role"]]


class AdminCreateForm(_ScopeMixin, forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), min_length=12,
                               help_text="At least 12 characters, not a common password; the admin chooses their own at the first sign-in.")
    role = forms.ChoiceField()
    organizations = forms.MultipleChoiceField(widget=MULTI, help_text="Each with its sub-organizations.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_scope(user)


class AdminEditForm(_ScopeMixin, forms.Form):
    role = forms.ChoiceField()
    organizations = forms.MultipleChoiceField(widget=MULTI, help_text="Each with its sub-organizations.")
    is_active = forms.BooleanField(required=False, label="Active (may log in and use its API tokens)")

    def __init__(self, *args, user, admin, **kwargs):
        profile = getattr(admin, "admin", None)
        initial = {"is_active": admin.is_active}
        if profile is not None:
            initial.update(role=str(profile.role_id), organizations=[o.slug for o in profile.organizations.all()])
        super().__init__(*args, initial=initial, **kwargs)
        self.setup_scope(user)


class RoleForm(forms.Form):
    name = forms.CharField(max_length=80)
    privileges = forms.MultipleChoiceField(widget=MULTI, required=False)

    def __init__(self, *args, user, role: Role | None = None, **kwargs):
        initial = {"name": role.name, "privileges": role.privileges} if role else {}
        super().__init__(*args, initial=initial, **kwargs)
        mine = privileges_of(user)
        self.fields["privileges"].choices = [(p.value, p.label) for p in Privilege if p.value in mine]
        self.fields["privileges"].help_text = "You can only grant privileges you have yourself."


class TokenIssueForm(forms.Form):
    name = forms.CharField(max_length=80, required=False, help_text="What it is for, e.g. “HR sync”.")
    user = forms.ChoiceField(label="For admin")

    def __init__(self, *args, user, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {str(u.pk): u for u in users}
        self.fields["user"].choices = [(pk, u.get_username()) for pk, u in self.users.items()]
        self.fields["user"].initial = str(user.pk)
