from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.access.scoping import ScopedQuerySet, visible_organization_ids
from portal.lib.search import reversed_digits


class NumberStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved")
    ASSIGNED = "assigned", _("Assigned")
    REGISTERED = "registered", _("Registered")


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NumberQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # Numbers in the operator pool (no organization) are the operator's alone.
        ids = visible_organization_ids(user)
        return self if ids is None else self.filter(organization_id__in=ids)

    def bulk_create(self, objs, *args, **kwargs):
        for obj in objs:
            obj.e164_reversed = reversed_digits(obj.e164)
        return super().bulk_create(objs, *args, **kwargs)

    def free(self):
        return self.filter(status=NumberStatus.AVAILABLE)


class Number(models.Model):
    """A phone number of the inventory, in E.164. The account holding it is `Account.number`."""

    e164 = models.CharField("number", max_length=16)  # unique: Meta.constraints
    # Looked up by the "number_org_status" index (organization, status, e164); none of its own.
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="numbers",
        db_index=False,
    )
    status = models.CharField(max_length=10, choices=NumberStatus, default=NumberStatus.AVAILABLE)
    tags = models.ManyToManyField(Tag, blank=True, related_name="numbers")
    reserved_for = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The digits reversed, for "ends with" search on a B-tree index (portal.lib.search).
    e164_reversed = models.CharField(max_length=16, blank=True, default="", editable=False)

    objects = NumberQuerySet.as_manager()

    class Meta:
        ordering = ["e164"]
        indexes = [
            models.Index(fields=["organization", "status", "e164"], name="number_org_status"),
            models.Index(fields=["e164_reversed"], name="number_e164_reversed"),
            models.Index(fields=["status", "e164"], name="number_status"),
        ]
        # A constraint rather than `unique=True`, which on PostgreSQL also builds a
        # `varchar_pattern_ops` index for LIKE that no query uses (migration 0003).
        constraints = [models.UniqueConstraint(fields=["e164"], name="numbers_number_e164_key")]

    def save(self, *args, **kwargs):
        self.e164_reversed = reversed_digits(self.e164)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "e164" in update_fields:
            kwargs["update_fields"] = {*update_fields, "e164_reversed"}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.e164
