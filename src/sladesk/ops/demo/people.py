"""The demo's customers, people and staff accounts: found by their codes and
emails, created when missing, so loading twice creates nothing new."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from sladesk.directory.models import Contract, Customer, Partner, Person, Store
from sladesk.staff.actions import do_save_staff
from sladesk.staff.models import StaffProfile

DEMO_PREFIX = "[DEMO] "
STAFF_DOMAIN = "demo.sladesk"
PARTNER_NAME = f"{DEMO_PREFIX}Parceira Serviços"
SELF_SERVICE_CODE = "demo-lojas-exemplo"
PARTNER_CUSTOMER_CODE = "demo-moveis-parceiro"


@dataclass(frozen=True)
class Login:
    """A demo staff account. The password is public: these accounts are for trying the desk."""

    key: str
    role: str
    name: str
    what: str

    @property
    def email(self) -> str:
        return f"{self.key}@{STAFF_DOMAIN}"

    @property
    def password(self) -> str:
        return f"demo-{self.key}"


LOGINS = (
    Login("supervisor", StaffProfile.Role.SUPERVISOR, "Sofia Supervisora", "every customer, every ticket"),
    Login("agent", StaffProfile.Role.AGENT, "Artur Agente", "every customer's tickets"),
    Login("partner-agent", StaffProfile.Role.PARTNER_AGENT, "Paula Parceira", f"only {PARTNER_NAME}'s customers"),
    Login("admin", StaffProfile.Role.ADMIN, "Alice Admin", "everything, and the Django admin at /admin/"),
)


@dataclass(frozen=True)
class PersonSpec:
    key: str
    name: str
    role: str
    store: str | None = None
    seat: bool = False
    manager: str | None = None
    phone: str = ""


@dataclass(frozen=True)
class CustomerSpec:
    code: str
    name: str
    domain: str
    stores: tuple[str, ...]
    people: tuple[PersonSpec, ...]
    seats: int = 1
    partner: bool = False
    extras: tuple[str, ...] = ()  # csm, partner_hours, training
    context: bool = False


G, GER, V = Person.Role.GESTOR, Person.Role.GERENTE, Person.Role.VENDEDOR

SELF_SERVICE = CustomerSpec(
    SELF_SERVICE_CODE,
    f"{DEMO_PREFIX}Lojas Exemplo",
    "lojas-exemplo.example",
    ("Loja Centro", "Loja Moinhos", "Loja Zona Sul"),
    (
        PersonSpec("ana", "Ana Souza", G, seat=True, phone="+55 51 99100-0001"),
        PersonSpec("bruno", "Bruno Lima", G, phone="+55 51 99100-0002"),
        PersonSpec("carla", "Carla Mendes", GER, "Loja Centro", manager="ana"),
        PersonSpec("diego", "Diego Alves", V, "Loja Centro", manager="carla"),
        PersonSpec("elisa", "Elisa Rocha", V, "Loja Centro", manager="carla"),
        PersonSpec("fabio", "Fábio Costa", V, "Loja Moinhos"),
    ),
    seats=1,
    extras=("csm", "training"),
    context=True,
)

PARTNER_CUSTOMER = CustomerSpec(
    PARTNER_CUSTOMER_CODE,
    f"{DEMO_PREFIX}Móveis Parceiro",
    "moveis-parceiro.example",
    ("Loja Única",),
    (
        PersonSpec("gabriela", "Gabriela Nunes", G, seat=True, phone="+55 51 99200-0001"),
        PersonSpec("heitor", "Heitor Pires", GER, "Loja Única", manager="gabriela"),
        PersonSpec("iara", "Iara Martins", V, "Loja Única", manager="heitor"),
    ),
    seats=2,
    partner=True,
    extras=("partner_hours",),
)


@dataclass
class DemoCustomer:
    customer: Customer
    people: dict[str, Person] = field(default_factory=dict)
    stores: dict[str, Store] = field(default_factory=dict)
    created: bool = False

    def person(self, key: str) -> Person:
        return self.people[key]


@dataclass
class DemoDirectory:
    partner: Partner
    self_service: DemoCustomer
    partner_customer: DemoCustomer
    staff: dict[str, User]


def contract_start(today: date) -> date:
    return today - timedelta(days=730)


def ensure_partner() -> Partner:
    partner, _ = Partner.objects.get_or_create(name=PARTNER_NAME)
    return partner


@transaction.atomic
def ensure_customer(spec: CustomerSpec, partner: Partner, today: date) -> DemoCustomer:
    """The customer of ``spec`` with its contract, stores and people (created if missing)."""
    customer, created = Customer.objects.get_or_create(code=spec.code, defaults={"name": spec.name, "is_demo": True})
    Contract.objects.get_or_create(
        customer=customer,
        defaults={
            "model": Contract.Model.PARTNER if spec.partner else Contract.Model.SELF_SERVICE,
            "partner": partner if spec.partner else None,
            "support_seats": spec.seats,
            "context": spec.context,
            **{extra: True for extra in spec.extras},
            "starts_on": contract_start(today),
        },
    )
    out = DemoCustomer(customer, created=created)
    for name in spec.stores:
        out.stores[name], _ = Store.objects.get_or_create(customer=customer, name=name)
    for p in spec.people:
        email = f"{p.key}@{spec.domain}"
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            person = Person(
                customer=customer,
                store=out.stores[p.store] if p.store else None,
                name=p.name,
                email=email,
                phone=p.phone,
                role=p.role,
                support_seat=p.seat,
                manager=out.people[p.manager] if p.manager else None,
            )
            person.save()
        out.people[p.key] = person
    return out


def ensure_staff() -> dict[str, User]:
    """The demo staff accounts, created through ``do_save_staff``; an existing one is left alone."""
    users: dict[str, User] = {}
    for login in LOGINS:
        user = User.objects.filter(username=login.email).first()
        if user is None:
            partner = PARTNER_NAME if login.role == StaffProfile.Role.PARTNER_AGENT else None
            profile, _ = do_save_staff(
                email=login.email, name=login.name, role=login.role, partner=partner, password=login.password
            )
            user = profile.user
        users[login.key] = user
    return users


def ensure_directory(today: date) -> DemoDirectory:
    partner = ensure_partner()
    return DemoDirectory(
        partner=partner,
        self_service=ensure_customer(SELF_SERVICE, partner, today),
        partner_customer=ensure_customer(PARTNER_CUSTOMER, partner, today),
        staff=ensure_staff(),
    )


def login_lines() -> list[str]:
    """The demo logins, as ``sladesk up`` and ``sladesk demo`` print them."""
    lines = ["demo logins (DEMO accounts with public passwords: delete them before real use):"]
    lines += [f"  {login.email:<30} {login.password:<22} {login.what}" for login in LOGINS]
    return lines
