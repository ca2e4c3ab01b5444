"""The organisation: departments (a tree with a closure table), users, roles, share groups."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from pharmcrm.core.models import TimeStamped


class Role(models.TextChoices):
    SALES_REP = "sales_rep", _("Sales rep")
    SALES_ADMIN = "sales_admin", _("Sales admin")
    FINANCE = "finance", _("Finance")
    WAREHOUSE = "warehouse", _("Warehouse / quality")
    TENDER = "tender", _("Tender specialist")
    SERVICE = "service", _("Customer service")
    ADMIN = "admin", _("Administrator")


class Department(TimeStamped):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    sort_order = models.IntegerField(_("order"), default=0)
    heads = models.ManyToManyField(
        "org.User", verbose_name=_("heads"), through="DepartmentHead", related_name="headed_departments",
        blank=True,
    )

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="dept_unique_name_in_parent"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="dept_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentClosure(models.Model):
    """(ancestor, descendant, depth) for every pair in the tree, including (d, d, 0)."""

    ancestor = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    descendant = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    depth = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ancestor", "descendant"], name="closure_unique_pair"),
        ]
        indexes = [models.Index(fields=["descendant", "ancestor"], name="closure_desc_idx")]

    def __str__(self) -> str:
        return f"{self.ancestor_id} -> {self.descendant_id} ({self.depth})"


class DepartmentHead(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="head_links")
    user = models.ForeignKey("org.User", on_delete=models.CASCADE, related_name="head_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="dept_head_unique")]
        indexes = [models.Index(fields=["user", "department"], name="dept_head_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} heads {self.department_id}"


class PharmUserManager(UserManager):
    pass


class User(AbstractUser):
    """A person who logs in. ``full_name`` replaces first/last name (Chinese names)."""

    first_name = None
    last_name = None
    full_name = models.CharField(_("name"), max_length=50)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
    )
    phone = models.CharField(_("mobile"), max_length=30, blank=True)
    title = models.CharField(_("job title"), max_length=50, blank=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    objects = PharmUserManager()
    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        codes = set(self.roles.values_list("role", flat=True))
        if self.is_superuser:
            codes.add(Role.ADMIN)
        return frozenset(codes)

    def has_role(self, role: str) -> bool:
        return role in self.role_codes

    @property
    def is_admin(self) -> bool:
        return self.is_active and Role.ADMIN in self.role_codes

    @cached_property
    def headed_department_ids(self) -> list[int]:
        return list(self.head_links.values_list("department_id", flat=True))

    @property
    def is_head(self) -> bool:
        return bool(self.headed_department_ids)


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="user_role_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class ShareGroup(TimeStamped):
    """A named set of users that customers can be shared with."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    members = models.ManyToManyField(User, through="ShareGroupMember", related_name="share_groups", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("share group")
        verbose_name_plural = _("share groups")

    def __str__(self) -> str:
        return self.name


class ShareGroupMember(models.Model):
    group = models.ForeignKey(ShareGroup, on_delete=models.CASCADE, related_name="member_links")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_member_unique")]
        indexes = [models.Index(fields=["user", "group"], name="group_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class RoleScope(models.Model):
    """Cross-cutting role scopes as data: (role, area) -> scope.

    E.g. finance sees *all* orders, payments and invoices; warehouse sees *approved*
    orders. Customers themselves have no role scope: finance does not see the customer
    list or follow-up notes of customers it cannot otherwise see.
    """

    class Scope(models.TextChoices):
        ALL = "all", _("all records")
        APPROVED = "approved", _("approved records")

    role = models.CharField(max_length=20, choices=Role.choices)
    area = models.CharField(max_length=30)
    scope = models.CharField(max_length=20, choices=Scope.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "area"], name="role_scope_unique")]

    def __str__(self) -> str:
        return f"{self.role}:{self.area}={self.scope}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
