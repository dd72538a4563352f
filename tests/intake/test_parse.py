"""parse(): an email's bytes as an InboundMessage (issue 9, sections 2 and 4), mostly on real
samples (tests/intake/mail/*.eml)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sladesk.intake import parse as parse_module
from sladesk.intake.content import codec_of, decode_text, safe_name
from sladesk.intake.message import InboundMessage
from sladesk.intake.parse import FORWARD_LINE, MAX_PARTS, parse

MAIL = Path(__file__).resolve().parent / "mail"
BRT = timezone(timedelta(hours=-3))


def sample(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def mail(*headers: str | bytes, body: str | bytes = "Olá, o sistema caiu.\n") -> bytes:
    """A small message: the header lines given (From and Message-ID unless given), then the body."""
    head = [h if isinstance(h, bytes) else h.encode() for h in headers]
    names = {h.split(b":", 1)[0].lower() for h in head}
    head += [] if b"from" in names else [b"From: Alice <alice@lojasaurora.com.br>"]
    head += [] if b"message-id" in names else [b"Message-ID: <m1@lojasaurora.com.br>"]
    data = body if isinstance(body, bytes) else body.encode()
    return b"\r\n".join(head) + b"\r\n\r\n" + data


def multipart(kind: str, *parts: bytes, boundary: str = "b1") -> bytes:
    inner = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    head = f'From: a@b.example\r\nContent-Type: multipart/{kind}; boundary="{boundary}"\r\n\r\n'.encode()
    return head + inner + b"--" + boundary.encode() + b"--\r\n"


# ---- text in every charset ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "subject", "says"),
    [
        ("utf8.eml", "Emissão de nota fiscal não funciona", "A emissão de nota fiscal não funciona desde as 8h"),
        ("latin1.eml", "Relatório de vendas não abre", "Atenção: é urgente, precisamos fechar o mês."),
        ("cp1252.eml", "Cobrança de € 120,00 em duplicidade", "Fomos cobrados € 120,00 duas vezes na fatura de março"),
        ("cp1252.eml", "Cobrança de € 120,00 em duplicidade", "O botão “Pagar” não some."),
        ("unknown-charset.eml", "Lentidão no sistema", "O sistema está lento na emissão de cupons."),
        ("outlook-html.eml", "RE: [#41] Lentidão no caixa", "Ninguém consegue entrar."),
        ("broken-base64.eml", "Caixa travando", "O caixa trava ao fechar o dia. Preciso de ajuda urgente!"),
    ],
)
def test_it_decodes_pt_br_text_in_every_charset(name: str, subject: str, says: str) -> None:
    msg = parse(sample(name))
    assert (msg.subject, msg.malformed) == (subject, "")
    assert says in msg.text


@pytest.mark.parametrize(
    ("name", "defects"),
    [
        ("utf8.eml", ()),
        ("latin1.eml", ()),
        ("cp1252.eml", ()),
        ("unknown-charset.eml", ("text/plain: unknown charset 'x-unknown': read as utf-8",)),
        ("broken-base64.eml", ("broken base64 in a text/plain part",)),
        ("no-message-id.eml", ("no Message-ID",)),
    ],
)
def test_it_lists_what_was_wrong_but_readable(name: str, defects: tuple[str, ...]) -> None:
    assert set(defects) <= set(parse(sample(name)).defects)
    assert bool(defects) == bool(parse(sample(name)).defects)


@pytest.mark.parametrize(
    ("charset", "data", "text", "defect"),
    [
        ("utf-8", "Ação".encode(), "Ação", ""),
        ("iso-8859-1", "Ação €".encode("cp1252"), "Ação €", ""),  # what Windows means by Latin-1
        ("iso-8859-1", "Ação".encode(), "Ação", "is utf-8"),  # declared wrong
        ("utf-8", "Ação".encode("latin-1"), "Ação", "not valid utf-8"),
        ("x-unknown", "Ação".encode("cp1252"), "Ação", "unknown charset"),
        ("base64", b"abc", "abc", "unknown charset"),  # a codec, but not a charset
        (None, "Ação".encode("cp1252"), "Ação", "without a charset"),
        ("us-ascii", "Ação".encode("cp1252"), "Ação", "declared us-ascii"),
    ],
)
def test_it_always_gets_text(charset: str | None, data: bytes, text: str, defect: str) -> None:
    declared = f"; charset={charset}" if charset else ""
    msg = parse(mail(f"Content-Type: text/plain{declared}", "Content-Transfer-Encoding: 8bit", body=data))
    assert msg.text == text
    assert defect in " ".join(msg.defects) if defect else msg.defects == ()


# ---- headers ----------------------------------------------------------------------------------
def test_it_reads_the_sender_and_the_recipients() -> None:
    msg = parse(sample("utf8.eml"))
    assert (msg.from_name, msg.from_address) == ("Maria Conceição Souza", "maria.souza@padariaboavista.com.br")
    assert msg.to == ("suporte@sladesk.example",)
    assert msg.cc == ("joao.pereira@padariaboavista.com.br",)
    assert msg.date == datetime(2025, 3, 3, 9, 14, 51, tzinfo=BRT)
    assert msg.message_id == "<CAF3x9Q1-utf8@mail.padariaboavista.com.br>"
    assert msg.headers["x-mailer"] == "Thunderbird 128.7.0"
    [results] = msg.authentication_results
    assert results.startswith("mx.sladesk.example; dkim=pass header.d=padariaboavista.com.br")
    assert "\n" not in results and "dmarc=pass" in results


@pytest.mark.parametrize(
    ("header", "field", "value"),
    [
        ("Subject: =?utf-8?Q?Ol=C3=A1?=\r\n =?utf-8?Q?_mundo?=", "subject", "Olá mundo"),
        ("Subject: =?utf-8?B?w6c=?= =?utf-8?B?w6M=?=o", "subject", "ção"),  # a character split in two words
        ("Subject: =?utf-8?B?!!!?= ok", "subject", "ok"),  # broken base64 in a word
        ("Subject: =?x-unknown?Q?Lentid=C3=A3o?=", "subject", "Lentidão"),
        ("Subject: =?utf-8?Q?a=0D=0Ab?=\tc\x07d", "subject", "a b c d"),  # one line, no control characters
        (b"Subject: Relat\xf3rio", "subject", "Relatório"),  # undeclared 8-bit (cp1252)
        ("Subject: A\u00e7\u00e3o", "subject", "Ação"),  # UTF-8 header (RFC 6532)
        ("Reply-To: Suporte <Vendas@Lojasaurora.com.br>", "reply_to", "vendas@lojasaurora.com.br"),
        ('From: "=?utf-8?Q?Silva=2C_Jo=C3=A3o?=" <J@X.example>', "from_name", "Silva, João"),
        ("From: =?utf-8?Q?Silva=2C_Jo=C3=A3o?= <J@X.example>", "from_address", "j@x.example"),
        ("From: =?utf-8?Q?Jo=C3=A3o?=", "from_address", ""),  # a name, no address
        ("From: MAILER-DAEMON (Mail Delivery System)", "from_address", "mailer-daemon"),
        ("To: undisclosed-recipients:;", "to", ()),
        (
            'To: a@x.example, =?utf-8?Q?Silva=2C_B?= <B@x.example>, "C, D" <c@x.example>',
            "to",
            ("a@x.example", "b@x.example", "c@x.example"),
        ),
        ("Auto-Submitted: Auto-Replied (vacation); owner=x", "auto_submitted", "auto-replied"),
        ("Precedence: BULK", "precedence", "bulk"),
        ("Date: Mon, 3 Mar 2025 09:15:00 -0000", "date", datetime(2025, 3, 3, 9, 15, tzinfo=UTC)),
        ("Date: ontem de manhã", "date", None),
    ],
)
def test_it_decodes_headers_tolerantly(header: str | bytes, field: str, value: object) -> None:
    assert getattr(parse(mail(header)), field) == value


@pytest.mark.parametrize(
    ("headers", "message_id", "in_reply_to", "references"),
    [
        (["Message-ID:  < abc@x.example >"], "<abc@x.example>", (), ()),
        (["Message-ID: abc@x.example"], "<abc@x.example>", (), ()),
        (["Message-ID: <>"], "", (), ()),
        (["In-Reply-To: <a@x> (a comment) <b@x>"], None, ("<a@x>", "<b@x>"), ()),
        (["In-Reply-To: a@x"], None, ("<a@x>",), ()),
        (["References: <a@x>\r\n\t<b@x>  <c@x>"], None, (), ("<a@x>", "<b@x>", "<c@x>")),
        (["References: <a@x><b@x> garbage <broken"], None, (), ("<a@x>", "<b@x>")),
        (["References: <a@x>", "References: <b@x>"], None, (), ("<a@x>", "<b@x>")),
    ],
)
def test_it_normalises_message_ids(
    headers: list[str], message_id: str | None, in_reply_to: tuple[str, ...], references: tuple[str, ...]
) -> None:
    msg = parse(mail(*headers))
    assert (msg.in_reply_to, msg.references) == (in_reply_to, references)
    assert msg.message_id == (message_id if message_id is not None else "<m1@lojasaurora.com.br>")


def test_it_keeps_the_first_and_the_latest_of_very_long_references() -> None:
    ids = [f"<r{i}@x>" for i in range(300)]
    msg = parse(mail("References: " + " ".join(ids)))
    assert msg.references == (ids[0], *ids[-99:])


# ---- bodies -----------------------------------------------------------------------------------
def test_it_turns_outlook_html_into_text_and_sanitised_html() -> None:
    msg = parse(sample("outlook-html.eml"))
    assert msg.text.startswith("Prezados,\n\nO sistema está fora do ar em todas as lojas desde as 7h30.")
    assert "- Loja Centro\n- Loja Shopping" in msg.text
    assert "nossa pasta (https://imagens.supermercadoprimavera.com.br/erro.png)" in msg.text
    assert "MsoNormal" not in msg.text and "Sistema fora do ar" not in msg.text  # style and title dropped
    assert "<b>fora do ar</b>" in msg.html
    assert "<style" not in msg.html and "<title" not in msg.html and "class=" not in msg.html
    assert (msg.headers["x-priority"], msg.headers["importance"]) == ("1", "high")


def test_it_sanitises_the_html_for_display() -> None:
    html = (
        '<p onclick="steal()">Oi <a href="javascript:alert(1)">aqui</a><img src=x onerror="alert(2)">'
        "<script>alert(3)</script><iframe src=https://evil.example></iframe></p>"
    )
    msg = parse(mail("Content-Type: text/html; charset=utf-8", body=html))
    for bad in ("onclick", "javascript:", "onerror", "script", "iframe", "alert"):
        assert bad not in msg.html
        assert bad not in msg.text
    assert msg.text == "Oi aqui"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Um</p><p>Dois</p>", "Um\n\nDois"),
        ("<div>linha 1</div><div><br></div><div>linha 2<br>linha 3</div>", "linha 1\n\nlinha 2\nlinha 3"),
        ("<ol><li>abrir</li><li>salvar</li></ol><p>fim</p>", "1. abrir\n2. salvar\n\nfim"),
        ('<a href="https://x.example/a">veja</a>', "veja (https://x.example/a)"),
        ('<a href="https://x.example/">https://x.example/</a>', "https://x.example/"),
        ('<a href="mailto:ana@x.example">ana@x.example</a>', "ana@x.example"),
        ("<table><tr><td>Loja</td><td>Centro</td></tr></table>", "Loja | Centro"),
        ("<style>p{}</style><p>a&nbsp;&amp;&nbsp;b</p>", "a & b"),
        ("<pre>  x = 1\n  y = 2</pre>", "  x = 1\n  y = 2"),
        ("texto<hr>mais", "texto\n\n----\n\nmais"),
    ],
)
def test_it_turns_html_into_readable_text(html: str, text: str) -> None:
    assert parse(mail("Content-Type: text/html", body=html)).text == text


def test_it_prefers_text_plain_in_an_alternative_and_keeps_the_html() -> None:
    msg = parse(sample("gmail-reply.eml"))
    assert msg.text.startswith("Bom dia! Já reiniciei a impressora e o erro continua.\n\nEm qua.")
    assert "<blockquote>" in msg.html
    assert (msg.in_reply_to, msg.references) == (("<ticket-7-ack@sladesk.example>",),) * 2


def test_it_reads_format_flowed() -> None:
    flowed = "Content-Type: text/plain; charset=utf-8; format=flowed"
    assert parse(mail(flowed, body="Uma linha \r\nquebrada.\r\n")).text == "Uma linha quebrada."
    assert parse(mail(flowed + "; delsp=yes", body="Uma lin \r\nha.\r\n")).text == "Uma linha."


def test_it_joins_the_text_of_mixed_parts() -> None:
    raw = multipart(
        "mixed",
        b"Content-Type: text/plain\r\n\r\nprimeira parte",
        b"Content-Type: text/html\r\n\r\n<p>segunda <b>parte</b></p>",
    )
    msg = parse(raw)
    assert msg.text == "primeira parte\n\nsegunda parte"
    assert "<p>primeira parte</p>" in msg.html and "<b>parte</b>" in msg.html


@pytest.mark.parametrize(
    ("raw", "text", "defect"),
    [
        (
            b'From: a@b.example\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n\r\nsem fim\r\n',
            "sem fim",
            "closing",
        ),
        (b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\ntexto solto\r\n", "texto solto", "boundary"),
        (b'From: a@b.example\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\noutro\r\n', "outro", "boundary"),
        (b"From: a@b.example\r\nContent-Transfer-Encoding: x-foo\r\n\r\ncomo veio\r\n", "como veio", "x-foo"),
        (
            b"From: a@b.example\r\nSubject: s\r\nnot a header line\r\nmais\r\n",
            "not a header line\r\nmais",
            "blank line",
        ),
    ],
)
def test_it_reads_broken_mime_with_a_defect(raw: bytes, text: str, defect: str) -> None:
    msg = parse(raw)
    assert msg.text == text.replace("\r\n", "\n")
    assert defect in " ".join(msg.defects)


def test_it_imports_no_django() -> None:
    code = (
        "import sys, sladesk.intake.parse, sladesk.intake.auth; print(any(m.startswith('django') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_it_skips_an_mbox_envelope_line() -> None:
    msg = parse(b"From alice@x.example Mon Mar  3 09:00:00 2025\n" + mail("Subject: oi"))
    assert (msg.subject, msg.from_address, msg.malformed) == ("oi", "alice@lojasaurora.com.br", "")


# ---- the new part of a reply ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "new", "rest_starts"),
    [
        ("gmail-reply.eml", "Bom dia! Já reiniciei a impressora e o erro continua.", "Em qua., 5 de mar. de 2025"),
        ("iphone-reply.eml", "Pode fechar o chamado, o backup voltou a funcionar.", "Enviado do meu iPhone"),
        ("outlook-html.eml", None, "De: Suporte Sladesk <suporte@sladesk.example>\nEnviado: segunda-feira"),
    ],
)
def test_it_splits_a_reply_from_its_quoted_history(name: str, new: str | None, rest_starts: str) -> None:
    from sladesk.intake.parse import split_quoted

    text = parse(sample(name)).text
    got_new, rest = split_quoted(text)
    assert got_new == new if new else got_new.endswith("Atenciosamente,\nCarlos Eduardo")
    assert rest.startswith(rest_starts)
    assert text.replace(got_new, "", 1).strip() == rest.strip()


@pytest.mark.parametrize(
    ("text", "new", "rest"),
    [
        ("Ok!\n\nOn Mon, Mar 3, 2025 at 9:15 AM, Ana <a@x.example> wrote:\n> antes", "Ok!", "On Mon"),
        ("Feito.\n\n-----Original Message-----\nFrom: Ana\nSent: Monday", "Feito.", "-----Original"),
        ("Feito.\n----- Mensagem original -----\nDe: Ana", "Feito.", "----- Mensagem original"),
        ("Feito.\n\nDe: Ana <a@x.example>\nEnviado em: segunda\nPara: b\nAssunto: RE: x\n\nantes", "Feito.", "De: Ana"),
        ("Resolvido.\n-- \nJoão Silva\nGerente", "Resolvido.", "-- \nJoão"),
        ("Resolvido.\n\nEnviado do meu celular", "Resolvido.", "Enviado do meu celular"),
        ("Obrigado.\n\nEnviado do meu Android\n\nEm 3 de mar. de 2025, Ana escreveu:\n> a", "Obrigado.", "Enviado"),
        ("Sim, pode.\n\n> Podemos reiniciar o servidor?\n>", "Sim, pode.", "> Podemos"),
    ],
)
def test_it_folds_history_and_signatures(text: str, new: str, rest: str) -> None:
    from sladesk.intake.parse import split_quoted

    assert split_quoted(text)[0] == new
    assert split_quoted(text)[1].startswith(rest)


@pytest.mark.parametrize(
    "text",
    [
        "Veja abaixo.\n\n---------- Forwarded message ---------\nFrom: Ana\nDate: seg\n\nEm 3 de mar, X escreveu:\n> a",
        "Veja.\n\n---------- Mensagem encaminhada ----------\nDe: Ana\n\ntexto",
        "Veja.\n\nEnviado do meu iPhone\n\nInício da mensagem encaminhada:\n\nDe: Ana\nData: 3 de mar",
        "Veja.\n\n________________________________\nDe: Ana\nEnviado: segunda\nPara: b\nAssunto: ENC: nota\n\ntexto",
        "> pergunta 1\nresposta 1\n> pergunta 2\nresposta 2",  # answers between quotes
        "> só citação\n> nada novo",  # nothing new: never an empty new part
        "O relatório foi\nenviado do meu computador ontem\nmas não chegou.",  # a sentence, not a sign-off
        "",
    ],
)
def test_it_leaves_forwards_and_unclear_text_whole(text: str) -> None:
    from sladesk.intake.parse import split_quoted

    assert split_quoted(text) == (text, "")


def test_it_keeps_a_forwarded_message_as_content() -> None:
    msg = parse(sample("forwarded.eml"))
    assert msg.text.startswith("O boleto abaixo não aparece no sistema para pagamento.\n\n" + FORWARD_LINE)
    assert "De: Financeiro Fornecedor <financeiro@fornecedor.example>\n" in msg.text
    assert "Assunto: Boleto de março\n" in msg.text
    assert msg.text.endswith("Segue o boleto de março.")
    assert [(a.name, a.content_type) for a in msg.attachments] == [("boleto.pdf", "application/pdf")]
    assert not msg.is_bounce


# ---- attachments ------------------------------------------------------------------------------
def test_it_keeps_attachments_with_safe_names_and_sniffed_types() -> None:
    msg = parse(sample("attachments.eml"))
    assert msg.text == "Seguem o print da tela e os arquivos."
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert [(a.name, a.content_type, a.declared_type, a.inline) for a in msg.attachments] == [
        ("tela.png", "image/png", "image/png", True),
        ("nota.pdf", "application/pdf", "application/octet-stream", False),  # sniffed from the bytes
        ("passwd", "text/plain", "text/plain", False),  # was "../../etc/passwd"
        ("relatório de vendas.xlsx", xlsx, xlsx, False),  # RFC 2231
        ("anexo-5", "application/x-unknown-thing", "application/x-unknown-thing", False),
    ]
    assert msg.attachments[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    assert all(a.size == len(a.data) for a in msg.attachments)
    assert msg.attachments[4].data == bytes(range(10))


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\nota.pdf", "nota.pdf"),
        (".htaccess", "htaccess"),
        ("...", "anexo-3"),
        ("", "anexo-3"),
        ("nota\x00\r\nfiscal.pdf", "nota fiscal.pdf"),
        ("\u202efdp.exe", "fdp.exe"),  # a right-to-left override, to disguise the extension
        ("a" * 300 + ".xlsx", "a" * 145 + ".xlsx"),
        ("b" * 300, "b" * 150),
    ],
)
def test_it_makes_names_safe(name: str, safe: str) -> None:
    assert safe_name(name, 3) == safe


def test_it_uses_the_declared_type_only_when_it_is_a_plain_type() -> None:
    part = b'Content-Type: image/png<script>; name="x.bin"\r\nContent-Disposition: attachment\r\n\r\nabc'
    [attachment] = parse(multipart("mixed", b"Content-Type: text/plain\r\n\r\noi", part)).attachments
    assert (attachment.name, attachment.content_type) == ("x.bin", "application/octet-stream")


def test_it_reads_an_encoded_word_attachment_name() -> None:
    part = b'Content-Type: application/pdf; name="=?utf-8?Q?Relat=C3=B3rio.pdf?="\r\n\r\n%PDF-1.4\r\n'
    [attachment] = parse(multipart("mixed", part)).attachments
    assert attachment.name == "Relatório.pdf"


# ---- bounces and automatic mail ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "bounced"),
    [("bounce-dsn.eml", ("<x@sladesk.example>",)), ("bounce-plain.eml", ("<ticket-9-ack@sladesk.example>",))],
)
def test_it_recognises_bounces_of_our_emails(name: str, bounced: tuple[str, ...]) -> None:
    msg = parse(sample(name))
    assert msg.is_bounce
    assert msg.bounced_message_ids == bounced


def test_it_reads_original_message_id_fields_of_a_bounce() -> None:
    raw = mail("From: postmaster@x.example", "Return-Path: <>", "X-Original-Message-ID: <y@sladesk.example>")
    msg = parse(raw)
    assert (msg.is_bounce, msg.bounced_message_ids) == (True, ("<y@sladesk.example>",))


@pytest.mark.parametrize(
    "raw",
    [
        mail("From: postmaster@lojasaurora.com.br", "Return-Path: <postmaster@lojasaurora.com.br>"),
        mail("From: Ana <ana@x.example>", "Return-Path: <>"),
        multipart(
            "mixed",
            b"Content-Type: text/plain\r\n\r\nVeja o erro",
            b"Content-Type: message/rfc822\r\n\r\n" + sample("bounce-dsn.eml"),
        ),
    ],
    ids=["postmaster writing", "an empty return path", "a forwarded bounce"],
)
def test_it_does_not_take_a_person_for_a_bounce(raw: bytes) -> None:
    msg = parse(raw)
    assert (msg.is_bounce, msg.bounced_message_ids) == (False, ())


def test_it_recognises_automatic_and_list_mail() -> None:
    auto, listed = parse(sample("auto-reply.eml")), parse(sample("list.eml"))
    assert (auto.auto_submitted, auto.precedence, auto.headers["x-autoreply"]) == ("auto-replied", "bulk", "yes")
    assert auto.subject == "Resposta automática: [#15] Recebemos o seu pedido"
    assert (listed.list_id, listed.precedence) == ("Clientes do Fornecedor <clientes.fornecedor.example>", "list")
    assert (listed.auto_submitted, listed.is_bounce) == ("", False)


# ---- the digest -------------------------------------------------------------------------------
def test_it_gives_a_relayed_copy_the_same_digest() -> None:
    raw = sample("no-message-id.eml")
    relayed = (
        b"Received: from relay.example by mx.sladesk.example; Mon, 3 Mar 2025 14:00:09 -0300\r\n"
        b"X-Spam-Status: No, score=-0.1\r\nARC-Seal: i=1; a=rsa-sha256; cv=none\r\n"
        b"Delivered-To: suporte@sladesk.example\r\n"
        b"Authentication-Results: mx.sladesk.example; spf=pass\r\nReturn-Path: <beatriz@lojasaurora.com.br>\r\n" + raw
    )
    digests = {parse(r).digest for r in (raw, relayed, relayed.replace(b"\r\n", b"\n"))}
    assert len(digests) == 1 and len(digests.pop()) == 64


@pytest.mark.parametrize(
    "change",
    [(b"painel de vendas", b"painel de compras"), (b"Sem acesso", b"Com acesso"), (b"Date: Mon", b"Date: Tue")],
)
def test_it_gives_another_message_another_digest(change: tuple[bytes, bytes]) -> None:
    raw = sample("no-message-id.eml")
    assert parse(raw.replace(*change)).digest != parse(raw).digest


# ---- what cannot be read ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "malformed"),
    [
        (b"", "empty message"),
        (b"  \r\n\r\n", "empty message"),
        (b"Ola, isto nao e um email.\nSo texto.\n", "no header fields: not an email"),
        (b"\r\nFrom: a@b.example\r\n", "no header fields: not an email"),
        (bytes(range(256)) * 4, "no header fields: not an email"),
        (b"X-Foo: bar\r\n\r\nbody", "none of an email's header fields (From, To, Subject, Date, Message-ID...)"),
        (b"From: a@b.example\r\n\r\noi", ""),
    ],
)
def test_it_says_why_a_message_cannot_be_read(raw: bytes, malformed: str) -> None:
    msg = parse(raw)
    assert isinstance(msg, InboundMessage)
    assert msg.malformed == malformed


def test_it_keeps_what_it_could_read_of_a_malformed_message() -> None:
    msg = parse(b"Ola, isto nao e um email.\n")
    assert msg.text == "Ola, isto nao e um email."
    assert len(msg.digest) == 64


# ---- resources --------------------------------------------------------------------------------
def nested(depth: int) -> bytes:
    head = b"From: a@b.example\r\nSubject: fundo\r\n"
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i) for i in range(depth))
    closing = b"".join(b"\r\n--n%d--" % i for i in reversed(range(depth)))
    return head + opening + b"Content-Type: text/plain\r\n\r\nno fundo" + closing + b"\r\n"


def huge_header_section() -> bytes:
    return b"From: a@b.example\r\n" + b"X-Filler: " + b"y" * 60 + b"\r\n" * 1 + b"X-Filler: z\r\n" * 200_000 + b"\r\noi"


@pytest.mark.parametrize(
    ("raw", "defect"),
    [
        (nested(15), ""),
        (nested(100), "nested deeper than 20 levels"),
        (nested(3000), "nested deeper than 20 levels"),
        (b"From: a@b.example\r\nSubject: " + b"x" * 1_000_000 + b"\r\n\r\noi", "longer than 20000 characters"),
        (b"From: a@b.example\r\nSubject: s\r\n" + b" dobra\r\n" * 300_000 + b"\r\noi", "longer than 20000"),
        (huge_header_section(), ""),
        (b"From: a@b.example\r\n\r\n" + b"z" * 1_000_000, ""),
        (multipart("mixed", *[b"Content-Type: text/plain\r\n\r\nparte"] * 5000), f"more than {MAX_PARTS} MIME parts"),
    ],
    ids=[
        "15 deep",
        "100 deep",
        "3000 deep",
        "a 1,000,000-character line",
        "300,000 folded lines",
        "200,000 header fields",
        "a 1,000,000-character body line",
        "5000 parts",
    ],
)
def test_it_reads_monstrous_messages_in_bounded_time(raw: bytes, defect: str) -> None:
    started = time.perf_counter()
    msg = parse(raw)
    assert time.perf_counter() - started < 10
    assert msg.malformed == ""
    assert defect in " ".join(msg.defects)
    assert msg.text.startswith(("no fundo", "oi", "zzz", "parte")) or defect


def test_it_reads_the_text_of_the_parts_it_reads() -> None:
    msg = parse(multipart("mixed", *[b"Content-Type: text/plain\r\n\r\nparte"] * 5000))
    assert msg.text.count("parte") == MAX_PARTS - 1
    assert parse(nested(15)).text == "no fundo"


# ---- the usual From line, read without the stdlib's general address parser ---------------------
_NAME_CHARS = "abcXYZ019 _-\t"
_LOCAL_CHARS = "abXY09._+-"
_HOST_CHARS = "abz09.-"
_ODD_CHARS = "aZ0 _-.+@<>\t\"',;:()=?\\[]é"


@st.composite
def _from_values(draw: st.DrawFn) -> str:
    """Plain ``Name <addr>`` and ``addr`` values (the fast path's), and anything near them."""
    name = draw(st.text(_NAME_CHARS, max_size=12))
    address = (
        draw(st.text(_LOCAL_CHARS, min_size=1, max_size=8)) + "@" + draw(st.text(_HOST_CHARS, min_size=1, max_size=8))
    )
    shapes = [f"{name} <{address}>", address, f" {name}<{address}> ", f"{name}  <{address}>\t", f"\t{address} "]
    return draw(st.one_of(st.sampled_from(shapes), st.text(_ODD_CHARS, max_size=24)))


@settings(max_examples=3000, deadline=None)
@given(_from_values())
def test_a_plain_address_is_read_as_the_general_parser_reads_it(value: str) -> None:
    assert parse_module._addresses(value) == parse_module._addresses_parsed(value)


@pytest.mark.parametrize(
    "declared", ["unicode_escape", "Unicode-Escape", "raw_unicode_escape", "idna", "punycode", "undefined"]
)
def test_a_python_codec_that_is_no_mail_charset_is_not_used(declared: str) -> None:
    """A part that declares one of Python's own codecs (which would read ``\\x41`` as "A", or
    fail) is read as undeclared: UTF-8, else Windows-1252, and the defect said."""
    assert codec_of(declared) is None
    text, defect = decode_text(b"pre\\xe7o \\u00e9", declared)
    assert text == "pre\\xe7o \\u00e9" and defect.startswith(f"unknown charset {declared.lower()!r}")
