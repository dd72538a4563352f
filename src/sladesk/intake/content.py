"""An email's content as the desk shows it: bytes in any charset to text, HTML to readable text
and to sanitised HTML, safe attachment names, and the new part of a reply apart from the quoted
history and the signature. Pure: no Django import; nothing here raises on odd input."""

from __future__ import annotations

import codecs
import re
import unicodedata
from html import unescape

import nh3

# ---- charsets ---------------------------------------------------------------------------------
# Python codecs that are not a mail charset: they raise, or turn backslashes and the like into text.
# Python's codecs that are no charset a mail may declare (as ``codecs.lookup`` names them)
_NOT_CHARSETS = {"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "mbcs", "oem", "charmap"}
# Mail that says latin-1 (or ascii) is written by Windows: its 0x80-0x9f are cp1252 (€, “, ...).
_AS_CP1252 = {"iso8859-1", "latin-1", "ascii", "cp1252"}
_CHARSET_NAME = re.compile(r"[A-Za-z0-9._:+-]{1,40}")


def codec_of(charset: str) -> str | None:
    """Python's codec for a declared charset, or None when there is none we should use."""
    name = charset.strip().strip("\"'").strip()
    if not _CHARSET_NAME.fullmatch(name):
        return None
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if info.name.replace("_", "-") in _NOT_CHARSETS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_text(data: bytes, charset: str | None) -> tuple[str, str]:
    """The text, and what was wrong ("" when nothing): the declared charset when it reads the
    bytes, else UTF-8, else Windows-1252, else Latin-1 (which reads anything)."""
    declared = (charset or "").strip().strip("\"'").lower()[:40]
    codec = codec_of(declared) if declared else None
    if codec in _AS_CP1252 and not data.isascii():
        return _western(data, declared, codec)
    defect = f"unknown charset {declared!r}" if declared and codec is None else ""
    if codec is not None:
        try:
            return clean_text(data.decode("utf-8-sig" if codec == "utf-8" else codec)), ""
        except (UnicodeError, LookupError):
            defect = f"text is not valid {declared}"
    elif not declared and not data.isascii():
        defect = "8-bit text without a charset"
    for fallback in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        return clean_text(text), f"{defect}: read as {fallback.removesuffix('-sig')}" if defect else ""
    return clean_text(data.decode("latin-1")), f"{defect or 'undecodable text'}: read as latin-1"


def _western(data: bytes, declared: str, codec: str | None) -> tuple[str, str]:
    """8-bit text said to be Latin-1, Windows-1252 or ASCII. Valid UTF-8 beyond ASCII is never
    Latin-1 text by chance: then the declaration is wrong. Else Windows-1252, which is what
    mail declared Latin-1 means (its 0x80-0x9f are "€", "“", ...), else Latin-1."""
    try:
        return clean_text(data.decode("utf-8-sig")), f"text declared {declared} is utf-8"
    except UnicodeDecodeError:
        pass
    wrong = f"8-bit text declared {declared}" if codec == "ascii" else ""
    try:
        return clean_text(data.decode("cp1252")), f"{wrong}: read as cp1252" if wrong else ""
    except UnicodeDecodeError:
        return clean_text(data.decode("latin-1")), f"{wrong}: read as latin-1" if wrong else ""


def clean_text(text: str) -> str:
    """Without NUL characters or lone surrogates, which a database or a sanitiser refuse."""
    text = text.replace("\x00", "") if "\x00" in text else text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def unflow(text: str, delsp: bool) -> str:
    """text/plain; format=flowed (RFC 3676): soft line breaks (a line ending in a space) joined."""
    out: list[str] = []
    joining, depth_before = False, -1
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:].removeprefix(" ")
        soft = body.endswith(" ") and body != "-- "
        if soft and delsp:
            body = body[:-1]
        if joining and depth == depth_before:
            out[-1] += body
        else:
            out.append(">" * depth + (" " if depth else "") + body)
        joining, depth_before = soft, depth
    return "\n".join(out)


# ---- HTML -------------------------------------------------------------------------------------
_NOT_CONTENT = {"script", "style", "title", "head"}


def sanitise_html(html: str) -> str:
    """HTML safe to show in the desk: ammonia's defaults (no scripts, no event handlers, no styles)."""
    return nh3.clean(clean_text(html), clean_content_tags=_NOT_CONTENT)


_TEXT_TAGS = {
    *("a", "br", "li", "ul", "ol", "p", "div", "pre", "blockquote", "hr", "table", "tr", "td", "th"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "address", "article", "section", "header"),
    *("footer", "center", "caption", "figure", "figcaption", "details", "summary", "tbody", "thead"),
}
_BLOCKS = _TEXT_TAGS - {"a", "br", "li", "td", "th", "tbody", "thead"}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr"}
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|[^<]+|<")
_ATTRIBUTE = re.compile(r'([a-zA-Z][a-zA-Z0-9-]*)="([^"]*)"')


def html_to_text(html: str) -> str:
    """Readable text: paragraphs, line breaks, lists, table cells, links as "text (url)".

    Ammonia first drops what is not content (scripts, styles, the head, comments) and gives
    well-formed, normalised HTML, which a regular expression then reads in one pass."""
    tidy = nh3.clean(
        clean_text(html),
        tags=_TEXT_TAGS,
        clean_content_tags=_NOT_CONTENT,
        attributes={"a": {"href"}, "p": {"class"}},
        link_rel=None,
    )
    reader = _TextReader()
    for token in _TOKEN.finditer(tidy):
        closing, tag, attributes = token.group(1, 2, 3)
        if tag is None:
            reader.handle_data(unescape(token.group(0)))
        elif closing:
            reader.handle_endtag(tag.lower())
        else:
            reader.handle_starttag(tag.lower(), {k: unescape(v) for k, v in _ATTRIBUTE.findall(attributes)})
    return reader.text()


class _TextReader:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.newlines = 0  # how many line breaks end the output
        self.lists: list[list[int]] = []  # per open list: [is_ordered, items so far]
        self.links: list[tuple[str, int]] = []  # per open link: (href, where its text starts)
        self.cells = 0
        self.pre = 0
        self.paragraphs: list[list[bool]] = []  # per open <p>: [Outlook's one-line paragraph, empty so far]

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.out).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")

    def write(self, text: str) -> None:
        if text:
            self.out.append(text)
            stripped = text.rstrip("\n")
            self.newlines = len(text) - len(stripped) + (self.newlines if not stripped else 0)
            if self.paragraphs and text.strip():
                self.paragraphs[-1][1] = False

    def breaks(self, n: int) -> None:
        if self.out and self.newlines < n:
            self.write("\n" * (n - self.newlines))

    def handle_starttag(self, tag: str, attributes: dict[str, str]) -> None:
        outlook = tag == "p" and "msonormal" in (attributes.get("class") or "").lower()
        if tag == "p":
            self.paragraphs.append([outlook, True])
        if tag in _BLOCKS:
            self.breaks(1 if outlook or tag not in _PARAGRAPHS else 2)
        if tag == "pre":
            self.pre += 1
        elif tag == "br":
            self.write("\n")
        elif tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self.item()
        elif tag == "tr":
            self.cells = 0
        elif tag in ("td", "th"):
            self.write(" | " if self.cells else "")
            self.cells += 1
        elif tag == "a":
            self.links.append((attributes.get("href") or "", len(self.out)))
        elif tag == "hr":  # void: no end tag follows
            self.write("----")
            self.breaks(2)

    def item(self) -> None:
        self.breaks(1)
        if not self.lists:
            self.write("- ")
            return
        self.lists[-1][1] += 1
        ordered, n = self.lists[-1]
        self.write("  " * (len(self.lists) - 1) + (f"{n}. " if ordered else "- "))

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self.paragraphs:
            outlook, empty = self.paragraphs.pop()
            if outlook and empty and self.out:  # <p class=MsoNormal>&nbsp;</p>: Outlook's blank line
                self.write("\n")
            self.breaks(1 if outlook else 2)
            return
        if tag == "pre":
            self.pre = max(self.pre - 1, 0)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.breaks(1 if self.lists else 2)
        elif tag == "a" and self.links:
            self.link_end(*self.links.pop())
        if tag in _BLOCKS:
            self.breaks(2 if tag in _PARAGRAPHS else 1)

    def link_end(self, href: str, start: int) -> None:
        said = "".join(self.out[start:]).strip()
        target = href.removeprefix("mailto:")
        if href and target not in said and said not in (target, href):
            self.write(f" ({href})" if said else href)

    def handle_data(self, data: str) -> None:
        if self.pre:
            self.write(data)
            return
        data = _SPACES.sub(" ", data)
        if not self.out or self.newlines or self.out[-1].endswith(" "):
            data = data.lstrip(" ")
        self.write(data)


# ---- attachment names -------------------------------------------------------------------------
_HIDDEN = ("Cc", "Cf", "Zl", "Zp")
MAX_NAME = 150


def safe_name(name: str, n: int) -> str:
    """A file name safe to store and offer for download: the last path component, without
    control characters or leading dots, at most 150 characters (the extension kept);
    "anexo-<n>" when nothing is left."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(c) in _HIDDEN else c for c in name)
    name = _SPACES.sub(" ", name).strip().lstrip(". ").rstrip()
    if not name:
        return f"anexo-{n}"
    if len(name) <= MAX_NAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not 0 < len(extension) <= 20:
        return name[:MAX_NAME].rstrip()
    return stem[: MAX_NAME - len(extension) - 1].rstrip() + "." + extension


# ---- the new part of a reply --------------------------------------------------------------------
_ATTRIBUTION_START = re.compile(r"(em|on|le|am|el)\s", re.I)
_ATTRIBUTION_END = re.compile(r"\b(escreveu|wrote|a écrit|schrieb|escribió)\s*:$", re.I)
_ORIGINAL = re.compile(r"-{3,}\s*(original message|mensagem original|mensaje original)\s*-{3,}", re.I)
_RULE = re.compile(r"_{10,}")
_FROM = re.compile(r"\*?(de|from)\s*:", re.I)
_SENT = re.compile(r"\*?(enviad[oa]|sent|data|date)(\s+em)?\s*:", re.I)
_SUBJECT = re.compile(r"\*?(assunto|subject)\s*:\*?\s*(enc|fwd?|tr)\s*:", re.I)
_FORWARD = re.compile(
    r"-{2,}\s*(forwarded message|mensagem encaminhada|mensaje reenviado)\s*-{2,}"
    r"|(begin forwarded message|in[íi]cio da mensagem encaminhada)\s*:",
    re.I,
)
_SIGN_OFF = re.compile(
    r"(enviad[oa]\s+(d[oa]|de|pel[oa]|via|a partir d[eoa])\s+.{2,40}"
    r"|sent from my\s.{2,40}|(get|obter o|baixe o)\s+outlook\s+(for|para)\s.{2,30})",
    re.I,
)


def split_quoted(text: str) -> tuple[str, str]:
    """The new part of a reply, and the rest: the quoted history ("Em <data>, <nome> escreveu:",
    "On ... wrote:", "-----Original Message-----", Outlook's "De: ... Enviado: ..." block, a
    closing run of "> " lines) and the signature ("-- ", "Enviado do meu iPhone").

    A forwarded message is content, never folded. Conservative: when in doubt, or when nothing
    would be left, the whole text is the new part: ``(text, "")``."""
    lines = text.replace("\r\n", "\n").split("\n")
    tail = _quote_tail(lines)
    kinds = [_kind(lines, i, tail) for i in range(len(lines))]
    cut = next((i for i, kind in enumerate(kinds) if kind in ("history", "signature", "sign-off")), None)
    if cut is None or any(kind == "forward" for kind in kinds[: cut + 1]):
        return text, ""
    after = next((i for i in range(cut + 1, len(kinds)) if kinds[i] in ("history", "forward")), len(kinds))
    if after < len(kinds) and kinds[after] == "forward":
        return text, ""  # a signature above a forwarded message: the message is content
    if kinds[cut] == "sign-off" and any(line.strip() for line in lines[cut + 1 : after]):
        return text, ""  # "Enviado do meu ..." in the middle of the text: a sentence
    new = "\n".join(lines[:cut]).rstrip()
    if not new.strip():
        return text, ""
    return new, "\n".join(lines[cut:]).strip("\n")


def _kind(lines: list[str], i: int, tail: int) -> str:
    """What line ``i`` starts: "history", "forward", "signature", "sign-off" or "" (content)."""
    line = lines[i].strip()
    if not line or line.startswith(">"):
        return "history" if i == tail else ""
    if _FORWARD.match(line):
        return "forward"
    if line == "--" or _SIGN_OFF.fullmatch(line):
        return "signature" if line == "--" else "sign-off"
    if _ORIGINAL.fullmatch(line) or _attribution(lines, i):
        return "history"
    if _RULE.fullmatch(line) or _FROM.match(line):
        return _header_block(lines, i)
    return ""


def _quote_tail(lines: list[str]) -> int:
    """Where the closing run of "> " lines starts (-1 when the text does not end quoted: an
    answer between quotes is content)."""
    last = max((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith(">")), default=-1)
    return next((i for i in range(last + 1, len(lines)) if lines[i].lstrip().startswith(">")), -1)


def _attribution(lines: list[str], i: int) -> bool:
    """ "Em qua., 5 de mar. de 2025 às 10:12, Maria <maria@...> escreveu:" (up to 3 lines)."""
    if not _ATTRIBUTION_START.match(lines[i].strip()):
        return False
    said = ""
    for line in lines[i : i + 3]:
        if not line.strip():
            return False
        said = f"{said} {line.strip()}"
        if _ATTRIBUTION_END.search(said):
            return len(said) < 400 and any(c.isdigit() for c in said)
    return False


def _header_block(lines: list[str], i: int) -> str:
    """Outlook's "De: / Enviado: / Para: / Assunto:" block (after a rule of underscores, maybe):
    history, or a forward when its subject says so ("ENC:", "Fw:")."""
    start = i + 1 if _RULE.fullmatch(lines[i].strip()) else i
    block = [line.strip() for line in lines[start : start + 7]]
    if not block or not _FROM.match(block[0]) or not any(_SENT.match(line) for line in block[1:5]):
        return ""
    return "forward" if any(_SUBJECT.match(line) for line in block) else "history"
