"""Customers, their contracts, stores and people: who is entitled to support."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


def name_key(name: str) -> str:
    """A name as every comparison of names sees it: ``str.casefold`` of the stripped text.

    Computed in Python and stored (``Partner.name_key``), never by the database: SQLite's
    ``LOWER`` and ``iexact`` fold only ASCII letters, so ``SERVIÇOS`` and ``serviços`` would be
    one name on PostgreSQL and two on SQLite."""
    return name.strip().casefold()


class PartnerQuerySet(models.QuerySet["Partner"]):
    def named(self, name: str) -> PartnerQuerySet:
        """The partners of this name in any case, the oldest first (the one every lookup takes)."""
        return self.filter(name_key=name_key(name)).order_by("pk")


class Partner(models.Model):
    """A third-party service company that handles some customers (partner model)."""

    name = models.CharField(_("nome"), max_length=200, unique=True)
    name_key = models.CharField(max_length=200, db_index=True, editable=False, default="")  # name_key(name)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("parceiro")
        verbose_name_plural = _("parceiros")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if isinstance(update_fields, list | tuple | set | frozenset) and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Customer(models.Model):
    code = models.CharField(_("código"), max_length=64, unique=True)
    name = models.CharField(_("nome"), max_length=200)
    is_demo = models.BooleanField(_("demonstração"), default=False)

    class Meta:
        verbose_name = _("cliente")
        verbose_name_plural = _("clientes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    class Model(models.TextChoices):
        SELF_SERVICE = "self_service", _("Self-service")
        PARTNER = "partner", _("Parceiro")

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="contract")
    model = models.CharField(_("modelo"), max_length=16, choices=Model.choices, default=Model.SELF_SERVICE)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="contracts")
    support_seats = models.PositiveIntegerField(_("assentos de suporte"), default=1)
    oto = models.BooleanField("Oto", default=True)
    context = models.BooleanField("Context", default=False)
    csm = models.BooleanField(_("período com CSM"), default=False)
    partner_hours = models.BooleanField(_("horas de parceiro"), default=False)
    training = models.BooleanField(_("treinamento"), default=False)
    starts_on = models.DateField(_("início"))
    ends_on = models.DateField(_("fim"), null=True, blank=True)

    class Meta:
        verbose_name = _("contrato")
        verbose_name_plural = _("contratos")

    def __str__(self) -> str:
        return f"{self.customer} ({self.get_model_display()})"

    @property
    def platforms(self) -> list[str]:
        return [name for name, on in (("oto", self.oto), ("context", self.context)) if on]

    @property
    def extras(self) -> frozenset[str]:
        """Contract extras as the policy names them (csm, partner_hours, training)."""
        return frozenset(name for name in ("csm", "partner_hours", "training") if getattr(self, name))

    def is_valid_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Store(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="stores")
    name = models.CharField(_("nome"), max_length=200)

    class Meta:
        verbose_name = _("loja")
        verbose_name_plural = _("lojas")
        ordering = ["customer", "name"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="store_unique_per_customer")]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    class Role(models.TextChoices):
        VENDEDOR = "vendedor", _("Vendedor")
        GERENTE = "gerente", _("Gerente de Loja")
        GESTOR = "gestor", _("Gestor")

    # no index of their own: the indexes below begin with them (fewer indexes to write on import)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="people", db_index=False)
    store = models.ForeignKey(
        Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="people", db_index=False
    )
    name = models.CharField(_("nome"), max_length=200)
    email = models.EmailField(_("e-mail"))  # kept lower-case: people are found by email, case-insensitive
    phone = models.CharField(_("telefone"), max_length=40, blank=True)
    phone_digits = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    role = models.CharField(_("papel"), max_length=16, choices=Role.choices)
    support_seat = models.BooleanField(_("assento de suporte"), default=False)
    manager = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports")
    is_active = models.BooleanField(_("ativo"), default=True)

    class Meta:
        verbose_name = _("pessoa")
        verbose_name_plural = _("pessoas")
        ordering = ["customer", "name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="person_email_unique_ci")]
        indexes = [
            # a customer's or a store's people page by page, and counted by role, from the index
            models.Index(fields=["customer", "name", "id"], name="person_customer_name"),
            models.Index(fields=["customer", "role", "name", "id"], name="person_customer_role_name"),
            models.Index(fields=["customer", "role", "store"], name="person_customer_role_store"),
            models.Index(fields=["store", "role", "name", "id"], name="person_store_role_name"),
            # everyone by name (the people list)
            models.Index(fields=["name", "id"], name="person_name"),
            # a customer's seat holders (a few among many: a partial index of them alone)
            models.Index(
                fields=["customer", "is_active", "name", "id"],
                condition=models.Q(support_seat=True),
                name="person_customer_seat_holders",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = self.email.strip().lower()
        self.phone_digits = digits(self.phone)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def digits(phone: str) -> str:
    """A phone number reduced to its digits, for matching callers."""
    return "".join(ch for ch in phone if ch.isdigit())


class ImportRun(models.Model):
    """The audit of one ``sladesk directory import``: what came in, what happened.

    The files themselves are kept in the data directory (``kept_in``), accepted or
    rejected, so a bad file loses nothing and a good one can be traced.
    """

    class Outcome(models.TextChoices):
        IMPORTED = "imported", _("Importado")
        REJECTED = "rejected", _("Recusado")
        DRY_RUN = "dry_run", _("Simulação")
        FAILED = "failed", _("Falhou")  # the database refused the writing: nothing was written

    at = models.DateTimeField(_("em"), auto_now_add=True)
    outcome = models.CharField(_("resultado"), max_length=16, choices=Outcome.choices)
    files = models.JSONField(default=list)  # [{"name", "sha256", "bytes"}]
    kept_in = models.CharField(max_length=500)
    problems = models.JSONField(default=list)
    report = models.JSONField(default=list)
    run_by = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("importação do diretório")
        verbose_name_plural = _("importações do diretório")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome}"
