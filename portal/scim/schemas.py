"""The SCIM resources this portal serves (RFC 7643), as scim2-models classes.

Only the attributes an account really keeps are declared, so what a client writes it reads back:
the Schemas endpoint publishes exactly these.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    Filter,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
MULTILINE_SCHEMA = "urn:ietf:params:scim:schemas:extension:multiline:2.0:User"
MAX_RESULTS = 200


class Name(ComplexAttribute):
    family_name: str | None = None
    given_name: str | None = None


class Email(ComplexAttribute):
    value: str | None = None
    type: str | None = None
    primary: bool | None = None


class PhoneNumber(ComplexAttribute):
    """type `work` is the MultiLine number, type `mobile` the device number."""

    value: str | None = None
    type: str | None = None
    primary: bool | None = None


class GroupMembership(ComplexAttribute):
    value: Annotated[str | None, Mutability.read_only, CaseExact.true] = None
    display: Annotated[str | None, Mutability.read_only] = None


class MonitorCalls(StrEnum):
    auto = "auto"
    off = "off"


class MonitorSms(StrEnum):
    on = "on"
    off = "off"


class MultiLineUser(Extension):
    """The MultiLine settings of an account (the CSV's columns of the same meaning)."""

    __schema__ = URN(MULTILINE_SCHEMA)

    social_messaging: bool | None = None
    """WhatsApp, WeChat and LINE (only where the organization has social messaging)."""

    monitor_calls: MonitorCalls | None = None
    """auto records calls (only with call recording)."""

    monitor_sms: MonitorSms | None = None
    """on records SMS (only with SMS recording)."""

    forwarding_number: str | None = None
    """4 to 18 digits with country code, for accounts without voice calling."""


class User(Resource[MultiLineUser]):
    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The identity provider's sign-in name; the account's email unless emails says otherwise."""

    name: Name | None = None
    display_name: Annotated[str | None, Mutability.read_only] = None
    preferred_language: str | None = None
    """English, Italian, German, French or Spanish, as a language tag (en, it-IT, …)."""

    active: bool | None = None
    """false suspends the account (its number is released); true reactivates it."""

    emails: list[Email] | None = None
    phone_numbers: list[PhoneNumber] | None = None
    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    ref: Annotated[Reference[User] | None, Mutability.immutable] = Field(  # type: ignore[type-arg]
        None, serialization_alias="$ref", validation_alias="$ref"
    )


class Group(Resource):
    """A permission group (class of service) of the organization; its members are accounts."""

    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Required.true] = None
    members: list[GroupMember] | None = None


RESOURCE_MODELS = (User, Group)


def resource_types() -> list[ResourceType]:
    return [ResourceType.from_resource(model) for model in RESOURCE_MODELS]


def schemas() -> list:
    return [User.to_schema(), MultiLineUser.to_schema(), Group.to_schema()]


def service_provider_config() -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A SCIM token issued in the portal for one organization "
                "(or with `multiline issue-scim-token ORGANIZATION_SLUG`).",
                primary=True,
            )
        ],
    )
