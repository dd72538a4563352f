"""The emails of the ingestion benchmark (``bench/ingest.py``): the same bytes for sladesk and
django-helpdesk, the same for a given seed and count, each with the outcome sladesk should give.

A directory of six retail customers (``directory_files``: contracts.csv and people.csv, for
``sladesk directory import``), and a stream of emails to the support address as its Gestores and
their staff write them, in pt-BR: requests (broken reports, outages, error codes, "Campo: valor"
lists, forwarded messages from a store, no accents, all caps), replies in a ticket's thread (by
In-Reply-To and References to the customer's earlier emails, or by the ``[#N]`` of the ticket in
the subject) with quoted history, HTML (multipart/alternative, some HTML only, Outlook-style
markup), a few small attachments (PNG, PDF, CSV, a log), UTF-8 in 8bit, quoted-printable or
base64, ISO-8859-1 and Windows-1252. Then what a desk must refuse or leave alone: Vendedores and
Gerentes (not entitled), a Gestor without a support seat, the Gestor of a customer whose contract
ended, unknown senders, out-of-office replies, and the same email delivered twice by a relay.

The stream is generated in order and every reply refers only to earlier emails, so any prefix of
it is a corpus of its own (the smoke test uses 40). Ticket numbers in ``[#N]`` are the numbers
sladesk gives in a fresh database: the k-th new request of the stream opens ticket k.

``python -m bench.mail_corpus DIR [--messages N]`` writes the .eml files and the two CSV files.
"""

from __future__ import annotations

import argparse
import base64
import csv
import html
import io
import quopri
import random
import struct
import sys
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path

SEED = 20260309
SUPPORT = "suporte@sladesk.example"  # the email channel's address in the default policy
FIRST_DATE = datetime(2026, 10, 5, 8, 0, tzinfo=timezone(timedelta(hours=-3)))

# What each kind of email is, its share of the stream, and sladesk's outcome and reason for it.
KINDS: dict[str, tuple[float, str, str]] = {
    "request": (0.52, "ticket_created", ""),
    "reply": (0.19, "ticket_updated", ""),  # In-Reply-To / References of the customer's earlier email
    "tagged": (0.07, "ticket_updated", ""),  # "[#N]" in the subject, no In-Reply-To
    "vendedor": (0.05, "rejected", "role_not_entitled"),
    "gerente": (0.02, "rejected", "role_not_entitled"),
    "no_seat": (0.02, "rejected", "no_support_seat"),
    "ended": (0.015, "rejected", "no_active_contract"),
    "unknown": (0.07, "rejected", "unknown_sender"),
    "auto": (0.02, "ignored", "auto_submitted"),
    "duplicate": (0.015, "duplicate", ""),
}


# ---- the directory -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Customer:
    code: str
    name: str
    domain: str
    model: str
    partner: str
    seats: int
    platforms: str
    extras: tuple[str, ...]  # csm, partner_hours, training
    starts_on: str
    ends_on: str
    stores: tuple[str, ...]
    without_seat: int = 1  # Gestores holding no support seat


CUSTOMERS = (
    Customer("lojas-aurora", "Lojas Aurora Ltda.", "aurora.example", "self_service", "", 2, "oto;context",
             ("csm", "training"), "2026-01-01", "", ("Centro", "Moinhos", "Shopping Iguatemi", "Canoas", "Zona Sul")),
    Customer("moveis-do-sul", "Móveis do Sul S.A.", "moveisdosul.example", "partner", "Parceira TechRS", 1, "oto",
             ("partner_hours",), "2026-03-01", "2027-02-28", ("Caxias do Sul", "Bento Gonçalves", "Farroupilha")),
    Customer("farmacias-pampa", "Farmácias Pampa", "farmaciaspampa.example", "self_service", "", 3, "oto;context",
             ("training",), "2025-07-01", "", ("Pelotas", "Rio Grande", "Bagé", "Santa Maria", "Jaguarão", "Camaquã")),
    Customer("calcados-serra", "Calçados da Serra Ltda.", "calcadosserra.example", "partner", "Parceira TechRS", 1,
             "context", ("partner_hours", "training"), "2026-02-01", "", ("Gramado", "Canela")),
    Customer("super-guaiba", "Supermercados Guaíba", "superguaiba.example", "self_service", "", 2, "oto",
             (), "2026-01-15", "", ("Guaíba", "Eldorado do Sul", "Barra do Ribeiro", "Tapes")),
    Customer("livraria-cidade", "Livraria da Cidade", "livrariadacidade.example", "self_service", "", 1, "oto",
             (), "2025-01-01", "2025-12-31", ("Centro Histórico", "Cidade Baixa"), 0),
)  # fmt: skip
ENDED = "livraria-cidade"  # its contract ended: its Gestor is refused

FIRST_NAMES = (
    "Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabriela", "Heitor", "Isabela", "João", "Karina", "Lucas",
    "Mariana", "Natália", "Otávio", "Patrícia", "Rafael", "Sabrina", "Thiago", "Vitória", "Wagner", "Yasmin",
    "Aline", "Caio", "Débora", "Eduardo", "Fernanda", "Gustavo", "Helena", "Igor", "Juliana", "Leandro", "Márcia",
    "Nícolas", "Paula", "Renata", "Sérgio", "Tatiane", "Vinícius", "Luíza", "Rodrigo", "Camila", "Marcelo", "Bianca",
)  # fmt: skip
LAST_NAMES = (
    "Souza", "Lima", "Mendes", "Alves", "Rocha", "Costa", "Pereira", "Lopes", "Santos", "Oliveira", "Fernandes",
    "Gonçalves", "Duarte", "Ribeiro", "Almeida", "Barbosa", "Cardoso", "Teixeira", "Moraes", "Nunes", "Schmidt",
    "Becker", "Machado", "Vieira", "Farias", "Hahn", "Zanella", "Bortolini", "Fagundes", "Quadros",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    customer: Customer
    name: str
    email: str
    role: str  # gestor, gerente, vendedor
    seat: bool
    store: str
    phone: str
    manager: str = ""

    @property
    def first(self) -> str:
        return self.name.split()[0]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def directory(seed: int = SEED) -> list[Person]:
    """Everyone of the six customers: Gestores (with and without a seat), a Gerente and three
    Vendedores per store, each with a unique email at the customer's domain."""
    rng = random.Random(seed)
    people: list[Person] = []
    taken: set[str] = set()

    def person(c: Customer, role: str, seat: bool, store: str, manager: str) -> Person:
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{_ascii(first)}.{_ascii(last)}@{c.domain}"
            if email not in taken:
                break
        taken.add(email)
        phone = f"+55 {rng.choice(('51', '53', '54', '55'))} 9{rng.randrange(8000, 9999)}-{rng.randrange(10_000):04d}"
        p = Person(c, f"{first} {last}", email, role, seat, store, phone, manager)
        people.append(p)
        return p

    for c in CUSTOMERS:
        gestores = [person(c, "gestor", True, "", "") for _ in range(c.seats)]
        gestores += [person(c, "gestor", False, "", "") for _ in range(c.without_seat)]
        for i, store in enumerate(c.stores):
            gerente = person(c, "gerente", False, store, gestores[i % len(gestores)].email)
            for _ in range(3):
                person(c, "vendedor", False, store, gerente.email)
    return people


def directory_files(seed: int = SEED) -> dict[str, str]:
    """``contracts.csv`` and ``people.csv`` of the directory, as ``sladesk directory import`` reads them."""
    contracts, people = io.StringIO(), io.StringIO()
    out = csv.writer(contracts, lineterminator="\n")
    out.writerow(["customer", "customer_name", "model", "partner", "support_seats", "platforms", "csm",
                  "partner_hours", "training", "starts_on", "ends_on"])  # fmt: skip
    for c in CUSTOMERS:
        yes = {name: "sim" if name in c.extras else "não" for name in ("csm", "partner_hours", "training")}
        out.writerow([c.code, c.name, c.model, c.partner, c.seats, c.platforms, yes["csm"], yes["partner_hours"],
                      yes["training"], c.starts_on, c.ends_on])  # fmt: skip
    out = csv.writer(people, lineterminator="\n")
    out.writerow(["customer", "store", "name", "email", "phone", "role", "support_seat", "manager_email"])
    for p in directory(seed):
        out.writerow(
            [p.customer.code, p.store, p.name, p.email, p.phone, p.role, "sim" if p.seat else "não", p.manager]
        )
    return {"contracts.csv": contracts.getvalue(), "people.csv": people.getvalue()}


# ---- what people write -------------------------------------------------------------------------
REPORTS = ("vendas por loja", "comissões", "metas do mês", "estoque", "fechamento de caixa", "ranking de vendedores",
           "clientes atendidos", "conversão")  # fmt: skip
SCREENS = ("tela de pedidos", "cadastro de clientes", "catálogo", "checkout", "agenda de atendimentos",
           "painel de metas", "tela de login", "carrinho")  # fmt: skip
ERRORS = ('"Erro 500 - Internal Server Error"', '"Não foi possível conectar ao servidor"', "ERR_SYNC_TIMEOUT",
          '"Sessão expirada"', "erro 502", '"Falha ao gravar pedido (código 4031)"', "503 Service Unavailable",
          '"Token inválido"', "PEDIDO_DUPLICADO")  # fmt: skip
GREETINGS = ("Bom dia,", "Boa tarde,", "Olá, pessoal do suporte.", "Prezados,", "Oi,", "Bom dia pessoal", "Olá!", "")
CLOSINGS = ("Obrigada,", "Obrigado!", "Att.,", "Atenciosamente,", "Abs,", "Aguardo retorno.", "Valeu,", "")
CLIENTS = ("Outlook 16.0", "Thunderbird 128.3", "Apple Mail (2.3774)", "Gmail", "K-9 Mail 6.8", "Roundcube 1.6")

REQUESTS: tuple[tuple[str, str], ...] = (
    ("Relatório de {report} não abre",
     "O relatório de {report} não abre desde {when}. Aparece a mensagem {error} e a tela fica em branco.\n\n"
     "Passos: entrar no {platform} web, menu Relatórios, escolher {report}, clicar em Gerar."),
    ("{platform} fora do ar",
     "O {platform} está fora do ar desde {when}. Nenhum vendedor consegue entrar, em todas as lojas aparece "
     "{error}. Estamos sem registrar vendas!"),
    ("Erro ao finalizar pedido na loja {store}",
     "Na loja {store}, a vendedora {victim} não consegue finalizar pedidos no app desde {when}: ao tocar em "
     "Finalizar aparece {error}. Nas outras lojas está normal.\n\n1. abrir o pedido\n2. tocar em Finalizar\n"
     "3. aparece o erro"),
    ("lentidao no {screen}",
     "o {screen} esta muito lento hoje, demora uns 40 segundos pra carregar. começou {when}. acontece com "
     "todo mundo da loja {store}"),
    ("Usuário: {victim}",
     "Segue o chamado conforme o modelo:\n\nUsuário afetado: {victim} ({victim_email})\nLoja: {store}\n"
     "Data e hora: {when}\nMensagem de erro: {error}\nPassos: abrir o {screen}, salvar, o erro aparece ao salvar\n"
     "Descrição: o sistema não grava as alterações do {screen}."),
    ("Senha do vendedor",
     "Preciso que vocês resetem a senha do vendedor {victim} da loja {store}, ele esqueceu e está bloqueado."),
    ("Como exportar as metas?",
     "Gostaria de saber como faço para exportar o {report} para Excel. Procurei no menu e não achei a opção."),
    ("App não instala no celular novo",
     "Compramos celulares novos para a loja {store} e o aplicativo do {platform} não instala, a loja de "
     "aplicativos diz que o aparelho não é compatível."),
    ("URGENTE!!! {platform} caiu",
     "URGENTE. O {platform} CAIU EM TODAS AS LOJAS DESDE {when_upper}. NINGUEM CONSEGUE ACESSAR. ERRO {error_upper}"),
    ("Comissões calculadas errado",
     "As comissões de {month} saíram erradas no relatório de comissões: a vendedora {victim} aparece com "
     "R$ 0,00 mas vendeu mais de R$ 40.000,00. Conferi os pedidos um por um e estão todos lá.\n\n"
     "Podem verificar? O fechamento da folha é na sexta."),
    ("Sincronização do estoque parada",
     "A sincronização do estoque com o ERP parou {when}. O log mostra {error}. Os produtos novos não aparecem "
     "no catálogo do app."),
    ("Dúvida sobre o {screen}",
     "Bom dia, tenho uma dúvida: é possível mudar a ordem dos campos do {screen}? Os vendedores acham confuso."),
    ("Problema intermitente no {platform}",
     "O {platform} está instável, caindo e voltando desde {when}. Às vezes funciona, às vezes dá {error}. "
     "Já testamos em 3 redes diferentes na loja {store}."),
    ("Fwd: pedido travado",
     "Pessoal, vejam abaixo o que a loja {store} mandou.\n\n---------- Forwarded message ---------\n"
     "De: {victim} <{victim_email}>\nDate: {when}\nSubject: pedido travado\nTo: {requester}\n\n"
     "Oi, o pedido 48213 ficou travado em \"processando\" e o cliente está esperando aqui na loja. "
     "Tentei cancelar e deu {error}.\n\n{victim_first}"),
    ("Cadastro de cliente duplicando",
     "Quando o vendedor salva um cliente novo no {screen}, o cadastro aparece duas vezes na lista. Aconteceu "
     "com {victim} e com outros dois vendedores da loja {store} {when}. Não aparece mensagem de erro."),
    ("Tela branca no app",
     "Depois da atualização de ontem o app abre com a tela branca em alguns aparelhos da loja {store}. "
     "Já reinstalamos e continua igual. Modelo: Samsung A15, Android 14."),
)  # fmt: skip
REPLIES = (
    "Segue o print da tela com o erro, como pediram.",
    "Continua acontecendo. Testei agora de novo e aparece a mesma mensagem.",
    "Obrigada, funcionou! Podem encerrar.",
    "O problema voltou hoje de manhã, às 9h20, na loja {store}.",
    "Alguma novidade? Os vendedores estão cobrando.",
    "Conforme solicitado: o usuário é {victim} ({victim_email}), loja {store}. Acontece desde {when}.",
    "Ainda sem solução por aqui. Podemos fazer uma chamada?",
    "Resolvido do nosso lado, era a internet da loja. Obrigado pelo retorno.",
    "Passos: 1. abrir o {screen}; 2. clicar em Salvar; 3. aparece {error}.",
    "Bom dia, o erro mudou: agora aparece {error}.",
)
UNKNOWN_SUBJECTS = (
    ("Proposta comercial", "Olá, gostaria de apresentar nossa solução de cobrança para a sua empresa. Podemos marcar "
                           "uma conversa de 15 minutos esta semana?"),
    ("Quero contratar", "Vi o site de vocês e quero saber quanto custa o sistema para 3 lojas."),
    ("Erro no sistema", "O sistema de vocês está dando erro aqui na loja, não consigo entrar. Sou nova na empresa."),
    ("Currículo", "Segue meu currículo para a vaga de analista de suporte."),
    ("Nota fiscal pendente", "Prezados, a nota fiscal 33812 ainda não foi paga. Favor verificar com o financeiro."),
)  # fmt: skip
MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
          "novembro", "dezembro")  # fmt: skip
WEEKDAYS = ("seg.", "ter.", "qua.", "qui.", "sex.", "sáb.", "dom.")


def _pt_date(at: datetime) -> str:
    return f"{WEEKDAYS[at.weekday()]}, {at.day} de {MONTHS[at.month - 1][:3]}. de {at.year} às {at:%H:%M}"


def _signature(p: Person, rng: random.Random) -> str:
    role = {"gestor": "Gestor(a)", "gerente": "Gerente", "vendedor": "Vendedor(a)"}[p.role]
    lines = ["", p.name if rng.random() < 0.7 else p.first, f"{role} - {p.customer.name}"]
    if rng.random() < 0.5:
        lines.append(p.phone)
    if rng.random() < 0.15:
        lines += ["", "Enviado do meu iPhone"]
    return "\n".join(lines)


def _quote(text: str, who: str, at: datetime) -> str:
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines()[:40])
    return f"\n\nEm {_pt_date(at)}, {who} escreveu:\n{quoted}"


def _html(text: str, rng: random.Random) -> str:
    """The text as a mail client's HTML: paragraphs, quoted lines in a blockquote, some styling."""
    blocks: list[str] = []
    quoted: list[str] = []
    for line in text.splitlines():
        if line.startswith(">"):
            quoted.append(html.escape(line.lstrip("> ")))
            continue
        if quoted:
            blocks.append('<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">'
                          + "<br>".join(quoted) + "</blockquote>")  # fmt: skip
            quoted = []
        blocks.append(f"<div>{html.escape(line) or '<br>'}</div>")
    if quoted:
        blocks.append("<blockquote>" + "<br>".join(quoted) + "</blockquote>")
    style = (
        '<style type="text/css">p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; '
        'font-family:"Calibri",sans-serif;} a:link {color:#0563C1; text-decoration:underline;}</style>'
        if rng.random() < 0.5
        else ""
    )
    body = "\n".join(blocks)
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">{style}</head>'
        f'<body lang="PT-BR"><div class="WordSection1" dir="ltr" style="font-family:Calibri,sans-serif">\n'
        f"{body}\n</div></body></html>"
    )


def _png(rng: random.Random) -> bytes:
    """A small valid PNG (a screenshot's size class: 5-30 KB), noise so it does not compress."""
    w, h = rng.randrange(48, 112), rng.randrange(32, 72)
    rows = b"".join(b"\x00" + rng.randbytes(w * 3) for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _attachment(rng: random.Random, person: Person) -> tuple[str, str, bytes]:
    kind = rng.random()
    if kind < 0.5:
        return f"print_{rng.randrange(1000, 9999)}.png", "image/png", _png(rng)
    if kind < 0.7:
        lines = ["loja;vendedor;pedidos;total"] + [
            f"{person.customer.stores[i % len(person.customer.stores)]};V{i:03d};{rng.randrange(1, 60)};"
            f"{rng.randrange(1000, 90000)},{rng.randrange(100):02d}"
            for i in range(rng.randrange(20, 120))
        ]
        return "vendas.csv", "text/csv", "\n".join(lines).encode("utf-8")
    if kind < 0.85:
        lines = [
            f"2026-10-{rng.randrange(1, 28):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00 ERROR sync "
            f"worker-{rng.randrange(8)} ERR_SYNC_TIMEOUT after {rng.randrange(30, 120)}s "
            f"(request {rng.getrandbits(32):08x})"
            for _ in range(rng.randrange(15, 60))
        ]
        return "erro.log", "text/plain", "\n".join(lines).encode()
    text = f"Pedido {rng.randrange(10000, 99999)} - comprovante de erro".encode()
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + text + b"\n" + rng.randbytes(2000)
    return "comprovante.pdf", "application/pdf", pdf + b"\n%%EOF\n"


# ---- one email ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mail:
    name: str  # the file name, in stream order: 00001.eml, ...
    raw: bytes
    kind: str  # one of KINDS
    outcome: str  # what sladesk should answer
    reason: str = ""


@dataclass
class _Thread:
    customer: Customer
    requester: Person
    subject: str
    number: int  # sladesk's ticket number
    ids: list[str]  # the customer's Message-IDs in this thread, oldest first
    last_text: str
    last_from: str
    last_at: datetime


@dataclass
class _Stream:
    rng: random.Random
    people: list[Person]
    mails: list[Mail] = field(default_factory=list)
    threads: list[_Thread] = field(default_factory=list)
    tickets: int = 0

    def who(self, role: str, *, seat: bool | None = None, ended: bool | None = None) -> Person:
        found = [
            p for p in self.people
            if p.role == role and (seat is None or p.seat == seat)
            and (ended is None or (p.customer.code == ENDED) == ended)
        ]  # fmt: skip
        return self.rng.choice(found)

    def colleague(self, p: Person) -> Person:
        """Someone of the same customer, for the text (the affected user, a forwarded message)."""
        return self.rng.choice([q for q in self.people if q.customer is p.customer and q.role != "gestor"])


def _context(s: _Stream, sender: Person, at: datetime) -> dict[str, str]:
    rng = s.rng
    victim = s.colleague(sender)
    c = sender.customer
    error = rng.choice(ERRORS)
    when = rng.choice((f"hoje às {at.hour:02d}h{rng.randrange(0, 60, 5):02d}", "ontem à tarde", "as 14h de ontem",
                       f"{at.day:02d}/{at.month:02d} às {rng.randrange(8, 19)}:{rng.randrange(60):02d}",
                       "hoje de manhã", "segunda-feira"))  # fmt: skip
    return {
        "report": rng.choice(REPORTS), "screen": rng.choice(SCREENS), "error": error,
        "error_upper": error.upper(), "when": when, "when_upper": when.upper(),
        "platform": rng.choice(("Oto", "Context") if "context" in c.platforms else ("Oto", "app")),
        "store": victim.store or rng.choice(c.stores), "victim": victim.name, "victim_first": victim.first,
        "victim_email": victim.email, "requester": formataddr((sender.name, sender.email)),
        "month": MONTHS[(at.month - 2) % 12],
    }  # fmt: skip


def _letter(s: _Stream, sender: Person, body: str) -> str:
    rng = s.rng
    greeting, closing = rng.choice(GREETINGS), rng.choice(CLOSINGS)
    parts = [greeting, "", body] if greeting else [body]
    if closing:
        parts += ["", closing]
    text = "\n".join(parts) + "\n" + _signature(sender, rng)
    if rng.random() < 0.08:  # typed in a hurry, no accents
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text


def _message(
    s: _Stream, i: int, sender: Person | tuple[str, str], subject: str, text: str, at: datetime, *,
    in_reply_to: str = "", references: Sequence[str] = (), headers: dict[str, str] | None = None,
    attachment: tuple[str, str, bytes] | None = None, cc: Person | None = None,
) -> tuple[str, bytes]:  # fmt: skip
    """(Message-ID, bytes) of one email as a mail client writes it (MIME written here: the
    ``email`` package's modern policy takes milliseconds per message)."""
    rng = s.rng
    name, address = (sender.name, sender.email) if isinstance(sender, Person) else sender
    domain = address.rsplit("@", 1)[1]
    message_id = f"<{at:%Y%m%d%H%M%S}.{i:05d}.{rng.getrandbits(48):012x}@mail.{domain}>"
    hop = f"mx{rng.randrange(1, 4)}.{domain}"
    head = [
        f"Received: from {hop} ({hop} [200.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}])\n"
        f"\tby mx.sladesk.example with ESMTPS id {rng.getrandbits(40):010x}\n\tfor <{SUPPORT}>; {format_datetime(at)}",
        f"From: {formataddr((name, address), 'utf-8')}",
        f"To: Suporte <{SUPPORT}>",
    ]
    if cc is not None:
        head.append(f"Cc: {formataddr((cc.name, cc.email), 'utf-8')}")
    head += [f"Subject: {_header(subject)}", f"Date: {format_datetime(at)}", f"Message-ID: {message_id}"]
    if in_reply_to:
        head.append(f"In-Reply-To: {in_reply_to}")
    if references:
        head.append("References: " + "\n ".join(references))
    head.append(f"X-Mailer: {rng.choice(CLIENTS)}")
    head += [f"{key}: {value}" for key, value in (headers or {}).items()]
    head.append("MIME-Version: 1.0")
    shape = rng.random()
    if shape < 0.04:  # HTML only
        body = _part("text/html", _html(text, rng), "utf-8", "quoted-printable")
    else:
        body = _part("text/plain", text, *_encoding(rng, text))
        if shape < 0.28:
            html_part = _part("text/html", _html(text, rng), "utf-8", "quoted-printable")
            body = _multipart(rng, "alternative", [body, html_part])
    if attachment is not None:
        filename, content_type, data = attachment
        encoded = base64.encodebytes(data).decode("ascii")
        part = (
            f'Content-Type: {content_type}; name="{filename}"\nContent-Disposition: attachment; '
            f'filename="{filename}"\nContent-Transfer-Encoding: base64\n\n{encoded}'
        )
        body = _multipart(rng, "mixed", [body, part])
    return message_id, ("\n".join(head) + "\n" + body).encode("utf-8")


def _header(value: str) -> str:
    """A header value, RFC 2047-encoded when it is not ASCII."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def _part(content_type: str, text: str, charset: str, cte: str) -> str:
    """One text part: its headers, a blank line, its body in the transfer encoding (as text)."""
    data = text.replace("\r\n", "\n").encode(charset)
    if cte == "quoted-printable":
        encoded = quopri.encodestring(data).decode("ascii")
    elif cte == "base64":
        encoded = base64.encodebytes(data).decode("ascii")
    else:
        encoded = data.decode(charset)  # 8bit: the bytes as they are (UTF-8 here)
    return f'Content-Type: {content_type}; charset="{charset}"\nContent-Transfer-Encoding: {cte}\n\n{encoded}\n'


def _multipart(rng: random.Random, subtype: str, parts: Sequence[str]) -> str:
    boundary = f"----=_Part_{rng.getrandbits(32)}_{rng.getrandbits(40):x}"
    inner = "".join(f"--{boundary}\n{part}\n" for part in parts)
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n{inner}--{boundary}--\n'


def _encoding(rng: random.Random, text: str) -> tuple[str, str]:
    roll = rng.random()
    for charset, share in (("iso-8859-1", 0.07), ("windows-1252", 0.03)):
        if roll < share:
            try:
                text.encode(charset)
            except UnicodeEncodeError:
                break
            return charset, "quoted-printable"
        roll -= share
    roll = rng.random()
    return "utf-8", "quoted-printable" if roll < 0.6 else "8bit" if roll < 0.93 else "base64"


def _request(s: _Stream, i: int, at: datetime, sender: Person) -> tuple[str, bytes, str, str]:
    rng = s.rng
    subject, body = rng.choice(REQUESTS)
    ctx = _context(s, sender, at)
    subject, text = subject.format(**ctx), _letter(s, sender, body.format(**ctx))
    attachment = _attachment(rng, sender) if rng.random() < 0.03 else None
    cc = s.colleague(sender) if rng.random() < 0.1 else None
    headers = {"Importance": "high", "X-Priority": "1"} if "URGENTE" in subject and rng.random() < 0.5 else None
    mid, raw = _message(s, i, sender, subject, text, at, attachment=attachment, cc=cc, headers=headers)
    return mid, raw, subject, text


def _reply(s: _Stream, i: int, at: datetime, tagged: bool) -> bytes:
    rng = s.rng
    recent = s.threads[-300:]
    thread = recent[min(int(rng.expovariate(1 / 40)), len(recent) - 1) * -1 - 1]
    c = thread.customer
    seats = [p for p in s.people if p.customer is c and p.role == "gestor" and p.seat]
    sender = thread.requester if rng.random() < 0.85 or len(seats) < 2 else rng.choice(seats)
    ctx = _context(s, sender, at)
    text = _letter(s, sender, rng.choice(REPLIES).format(**ctx))
    if rng.random() < 0.8:
        text += _quote(thread.last_text.split("\n\nEm ", 1)[0], thread.last_from, thread.last_at)
    attachment = _attachment(rng, sender) if rng.random() < 0.05 else None
    if tagged:
        subject = f"Re: [#{thread.number}] {thread.subject}"
        mid, raw = _message(s, i, sender, subject, text, at, attachment=attachment)
    else:
        subject = f"{rng.choice(('Re:', 'RE:', 'Res:', 'RES:'))} {thread.subject}"
        refs = list(dict.fromkeys([thread.ids[0], *thread.ids[-8:]]))
        mid, raw = _message(s, i, sender, subject, text, at, in_reply_to=thread.ids[-1], references=refs,
                            attachment=attachment)  # fmt: skip
    thread.ids.append(mid)
    thread.last_text, thread.last_from, thread.last_at = text, formataddr((sender.name, sender.email)), at
    return raw


def _refused(s: _Stream, i: int, at: datetime, kind: str) -> bytes:
    rng = s.rng
    if kind == "unknown":
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        domain = rng.choice(("gmail.com", "hotmail.com", "yahoo.com.br", "uol.com.br", "empresa-x.example"))
        address = f"{_ascii(first)}{rng.choice(('.', '_', ''))}{_ascii(last)}{rng.randrange(100)}@{domain}"
        subject, body = rng.choice(UNKNOWN_SUBJECTS)
        text = f"{rng.choice(GREETINGS)}\n\n{body}\n\n{first} {last}"
        return _message(s, i, (f"{first} {last}", address), subject, text, at)[1]
    sender = {
        "vendedor": lambda: s.who("vendedor"),
        "gerente": lambda: s.who("gerente"),
        "no_seat": lambda: s.who("gestor", seat=False),
        "ended": lambda: s.who("gestor", seat=True, ended=True),
    }[kind]()
    return _request(s, i, at, sender)[1]


def _auto(s: _Stream, i: int, at: datetime) -> bytes:
    rng = s.rng
    thread = rng.choice(s.threads[-100:])
    p = thread.requester
    back = at + timedelta(days=rng.randrange(2, 15))
    text = (
        f"Estou ausente até {back:%d/%m} com acesso limitado ao e-mail. Em caso de urgência, fale com a loja "
        f"{rng.choice(p.customer.stores)}.\n\n{p.name}"
    )
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    subject = f"Resposta automática: [#{thread.number}] {thread.subject}"
    return _message(s, i, p, subject, text, at, headers=headers)[1]


def _duplicate(s: _Stream, at: datetime) -> bytes:
    """An earlier email again, as a relay's retry delivers it: one more Received header on top."""
    rng = s.rng
    earlier = rng.choice([m for m in s.mails[-500:] if m.kind != "duplicate"])
    hop = f"relay{rng.randrange(1, 9)}.sladesk.example"
    return f"Received: from {hop} by mx.sladesk.example; {format_datetime(at)}\n".encode() + earlier.raw


def _kinds(rng: random.Random, n: int) -> list[str]:
    names, weights = list(KINDS), [w for w, _o, _r in KINDS.values()]
    return rng.choices(names, weights, k=n)


def corpus(n: int = 10_000, seed: int = SEED) -> list[Mail]:
    """``n`` emails in the order they arrive."""
    rng = random.Random(seed)
    s = _Stream(rng, directory(seed))
    at = FIRST_DATE
    makers: dict[str, Callable[[int, datetime], bytes]] = {
        "reply": lambda i, at: _reply(s, i, at, tagged=False),
        "tagged": lambda i, at: _reply(s, i, at, tagged=True),
        "auto": lambda i, at: _auto(s, i, at),
        "duplicate": lambda _i, at: _duplicate(s, at),
    }
    for i, drawn in enumerate(_kinds(rng, n), 1):
        at += timedelta(seconds=rng.randrange(20, 160))
        answers = drawn in ("reply", "tagged", "auto", "duplicate")
        kind = "request" if answers and not s.threads else drawn  # nothing to answer yet: a request
        if kind == "request":
            sender = s.who("gestor", seat=True, ended=False)
            mid, raw, subject, text = _request(s, i, at, sender)
            s.tickets += 1
            s.threads.append(_Thread(sender.customer, sender, subject, s.tickets, [mid], text,
                                     formataddr((sender.name, sender.email)), at))  # fmt: skip
        elif kind in makers:
            raw = makers[kind](i, at)
        else:
            raw = _refused(s, i, at, kind)
        _share, outcome, reason = KINDS[kind]
        s.mails.append(Mail(f"{i:05d}.eml", raw, kind, outcome, reason))
    return s.mails


def expected(mails: Sequence[Mail]) -> Counter[str]:
    """How many of each outcome sladesk should give, as ``outcome`` or ``outcome/reason``."""
    return Counter(f"{m.outcome}/{m.reason}" if m.reason else m.outcome for m in mails)


def write(folder: Path, n: int = 10_000, seed: int = SEED) -> list[Mail]:
    """The .eml files into ``folder``, the directory's CSV files beside them in ``folder/../directory``."""
    folder.mkdir(parents=True, exist_ok=True)
    mails = corpus(n, seed)
    for m in mails:
        (folder / m.name).write_bytes(m.raw)
    files = folder.parent / "directory"
    files.mkdir(exist_ok=True)
    for name, text in directory_files(seed).items():
        (files / name).write_text(text, encoding="utf-8")
    return mails


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail_corpus", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the .eml files go (the CSV files go to its ../directory)")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    ns = parser.parse_args(argv)
    mails = write(ns.folder, ns.messages, ns.seed)
    size = sum(len(m.raw) for m in mails)
    print(f"{len(mails):,} emails, {size / 1e6:.1f} MB, in {ns.folder}")
    for key, count in sorted(expected(mails).items()):
        print(f"  {key:<36} {count:>6,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
