"""Triage of a new request: a suggested category and priority, each with its reason in pt-BR; the
policy's required information the request lacks; the affected person and store.

Pure (no Django): text in, values out. Suggestions only; an agent confirms each one.

How it reads an email:

1. ``read`` splits it into parts: the subject, the new text, a forwarded message, and quoted history
   (below "Em ..., X escreveu:", "-----Mensagem original-----", ">" lines). It drops what is nobody's
   request: a forwarded message's headers ("De:", "Enviado:"), signatures ("Att," and what follows, a
   trailing block of names, roles and phones, "Enviado do meu iPhone"), a greeting's name.
2. Each part is *folded* (lower case, no accents) to the same length, so a signal found in the folded
   text quotes the writer's own words in the reasons.
3. Tables of pt-BR signals (regular expressions on folded text) are searched once per part. The new
   text and the subject weigh 1, a forwarded message 0.8 (it usually is the request), quoted history
   0.2: it decides the category only when nothing newer does, and it never makes an outage, never
   says availability and never answers a required item (it is what was said before). A subject with
   "Re:" counts as quoted history, with "Enc:" or "Fwd:" as forwarded.

Required information: the keys come from ``policy.required_information``, in its order. Each key the
code knows (the default policy's five) has a recogniser; any key is also answered by a "Campo: valor"
line naming it (its key, its label, or a usual field name). A key the code does not know, and that no
such line answers, is reported missing: the code cannot tell, and asking is better than not asking.
Missing items are computed for every request, whatever its category; the caller decides what to show.

Priorities are the policy's, read most urgent first (the file's order, P1 P2 P3 by default): a
suspected outage suggests the first, a bug the second unless it is minor, an out-of-scope request or
a minor bug the last; no signal at all suggests none (the policy's default applies).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sladesk.core.policy.model import Policy, ScopeCategory


@dataclass(frozen=True)
class Candidate:
    """A person of the requester's customer, from the directory."""

    name: str
    email: str
    store: str  # "" when none


@dataclass(frozen=True)
class Triage:
    priority: str  # suggested priority, one of policy.priorities ("" if no signal at all: the policy default applies)
    priority_reason: str  # pt-BR, short: which words or signals decided it
    category: str  # one of CATEGORIES
    category_reason: str  # pt-BR, short
    missing: tuple[str, ...]  # keys of policy.required_information the request lacks, in the policy's order
    affected_email: str  # the affected person matched among the candidates ("" if none matched)
    affected_store: str  # the store named (the directory's name when it is one), else the person's; "" if none
    outage: bool  # a suspected P1 (platform down)


CATEGORIES = ("availability", "bug", "installation", "access", "usage_question")  # ties go to the first
IN_SCOPE = frozenset({"availability", "bug"})
# Triage's category codes and the names a policy may give them, in one place: the issue says
# "usage_question"; the default policy called that category "usage" before its rename.
POLICY_NAMES: dict[str, tuple[str, ...]] = {"usage_question": ("usage_question", "usage")}
CATEGORY_WORDS = {
    "availability": "indisponibilidade (já encerrada ou parcial)",
    "bug": "comportamento inesperado",
    "installation": "instalação do aplicativo",
    "access": "pedido de acesso, usuário ou senha",
    "usage_question": "dúvida de uso",
}


def scope_category(policy: Policy, code: str) -> ScopeCategory | None:
    """The policy's scope category for a triage code (None when the policy does not name it)."""
    for name in POLICY_NAMES.get(code, (code,)):
        if name in policy.scope.categories:
            return policy.scope.categories[name]
    return None


def in_scope(policy: Policy, code: str) -> bool:
    found = scope_category(policy, code)
    return found.in_scope if found is not None else code in IN_SCOPE


# ---- folding: lower case, no accents, the same length ----------------------------------------------
class _Fold(dict[int, str]):
    def __missing__(self, code: int) -> str:
        ch = chr(code)
        bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
        out = bare if len(bare) == 1 else (ch.lower() if len(ch.lower()) == 1 else ch)
        self[code] = out
        return out


_FOLD = _Fold()


def fold(text: str) -> str:
    """``text`` in lower case without accents, character for character (the same length)."""
    return text.translate(_FOLD)


# ---- signals: tables of patterns on folded text ------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """A signal: its pattern, its weight, and literal prefixes one of which starts every match (the
    pattern runs only on a part that holds one of them; none known: it always runs)."""

    pattern: re.Pattern[str]
    weight: float
    needles: tuple[str, ...]


Table = tuple[Row, ...]
NEEDLES: set[str] = set()  # every row's needles: each part notes once which it holds


def table(*rows: tuple[str, float]) -> Table:
    made = tuple(Row(re.compile(pattern), weight, needles(pattern)) for pattern, weight in rows)
    NEEDLES.update(n for row in made for n in row.needles)
    return made


def needles(pattern: str) -> tuple[str, ...]:
    """The literal prefixes of ``pattern``'s alternatives (leading \\b skipped, one leading group opened),
    or () when an alternative has no literal prefix of two characters or more."""
    found = _prefixes(pattern)
    return tuple(dict.fromkeys(found)) if found else ()


def _prefixes(pattern: str) -> list[str] | None:
    out: list[str] = []
    for alternative in _alternatives(pattern):
        found = _alternative_prefixes(alternative)
        if not found:
            return None
        out += found
    return out


def _alternatives(pattern: str) -> list[str]:
    """``pattern`` split at its top-level "|"."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class or c == "[":
            in_class = c != "]" if in_class else True
        elif c in "()":
            depth += 1 if c == "(" else -1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*parts, pattern[start:]]


def _alternative_prefixes(alternative: str) -> list[str] | None:
    while alternative.startswith("\\b"):
        alternative = alternative[2:]
    if alternative.startswith("(?:"):
        end = _closing(alternative)
        if end < 0 or alternative[end + 1 : end + 2] in ("?", "*", "{"):
            return None
        return _prefixes(alternative[3:end])
    run = ""
    for c in alternative:
        if c in "?*{":  # the character before is optional
            run = run[:-1]
            break
        if c in "\\[](){}+.|^$":
            break
        run += c
    return [run] if len(run) >= 2 else None


def _closing(text: str) -> int:
    """The index of the ")" that closes the group opened at 0 (-1 if none)."""
    depth, i = 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
        i += 1
    return -1


# fmt: off
PLATFORM = r"(?:sistema|oto|app|aplicativo|context|servidor|site|plataforma|web|tudo)"
HTTP = (r"\b(?:(?:erro|error|http|codigo|code|status|dando|da|deu|recebe|retorna|aparece)\W{1,3}[45]\d\d"
        r"|[45]\d\d\W{1,3}(?:bad gateway|gateway|internal|service|server|forbidden|not found|unauthorized)"
        r"|\([45]\d\d\))\b")
HTTP_5XX = HTTP.replace("[45]", "5")
QUOTED_MESSAGE = (r"\b(?:aparece|aparecem|apareceu|mostra|mostrou|diz|dizendo|exibe|retorna|mensagem|erro|fica em"
                  r"|da|deu)[^\n\"“”']{0,40}[\"“'][^\"“”'\n]{3,}[\"”']")
BLANK = r"\btela\b[^.\n]{0,20}\b(?:branc|pret)[ao]\b"
VERB = (r"(?:(?:clic|abr|acess|salv|tent|digit|selecion|redefin|import|export|cadastr|finaliz|registr|escolh|preench"
        r"|sincroniz|imprim|envi|anex|filtr|busc|pesquis|edit|exclu|alter|troc|aplic|ger|cri|us|fech|confirm)"
        r"(?:ar|er|ir|a|e|o|am|em|ando|endo|indo|ou|ei)|entrar|entra|entro|entrando|entrou|logar|loga|logando|fazer)\b")

# The platform is down (a limiting or recovering phrase still undoes it).
DOWN = table(
    (r"\bfora do ar\b", 3),
    (rf"\b{PLATFORM}\b(?: \w+){{0,2}} (?:caiu|caindo)\b|\bcaiu (?:o|a) {PLATFORM}\b", 3),
    (rf"\b{PLATFORM}\b(?: \w+){{0,2}} parou\b(?! de (?!funcionar))", 3),
    (r"\bindisponive(?:l|is)\b|\binacessive(?:l|is)\b|\bsem sistema\b", 3),
    (rf"\b{PLATFORM} (?:esta |ta )?fora\b", 3),
    (r"\b(?:sistema|tudo|oto|app) (?:esta |ta )?parado\b|\bbad gateway\b|\bgateway time-?out\b", 3),
    (r"\bservice unavailable\b", 3),
)
# The platform is unstable: availability, but not down.
UNSTABLE = table((r"\binstave(?:l|is)\b|\bintermitente\b|\boscilando\b|\bcaindo e voltando\b", 2))
# Down, when everyone is said to be affected; else a bug's signs.
WEAK_DOWN = table(
    (r"\bnao (?:\w+ )?(?:abre|abrem|carrega|carregam|funciona|entra|conecta|responde)\b", 1),
    (r"\bnao (?:esta|estao|ta|tao) (?:abrindo|carregando|funcionando|entrando|conectando|respondendo)\b", 1),
    (r"\berr_connection\w*|\berr_name\w*", 1),
    (BLANK, 1),
    (r"\btime-?out\b|\btimed out\b", 1),
    (HTTP_5XX, 1),
    (r"\b(?:ninguem|nenhum\w*)\b(?: \w+){0,3}? consegu\w*(?: fazer)? (?:acessar|entrar|logar|login|abrir|usar"
     r"|trabalhar|conectar|registrar)\b", 1),
    (r"\b(?:estao|estamos|ficaram) parad[oa]s\b|\b(?:todo mundo|todos)(?: \w+){0,2} (?:esta|estao|ta|tao) parad", 1),
    (r"\bnada (?:carrega|abre|funciona|entra)\b", 1),
)
EVERYONE = table(
    (r"\bninguem\b|\btodo mundo\b|\bpara todos\b|\bpra todos\b", 1),
    (r"\bnenhum\w* (?:das? |dos? )?(?:vendedor|usuario|loja|gerente|pessoa|computador|celular|aparelho"
     r"|dispositivo)\w*", 1),
    (r"\btod[oa]s (?:os |as )?(?:vendedor|usuario|loja|filia|unidade|gerente|colaborador|pessoa|computador|celular"
     r"|aparelho|dispositivo)\w*", 1),
    (r"\bem \d+ lojas\b|\blojas?(?: afetadas)?\s*:[^\n]*\btodas\b|\(todas\)", 1),
)
ALL_STORES = table(
    (r"\btodas (?:as )?(?:\w+ )?(?:lojas|filiais|unidades)\b|\bnenhuma (?:das )?lojas?\b|\bem \d+ lojas\b", 1),
    (r"\blojas?(?: afetadas)?\s*:[^\n]*\btodas\b|\(todas\)", 1),
)
LIMITED = table(
    (r"\b(?:outr[oa]s|resto|demais|menores)\b[^.!?\n]{0,30}\b(?:funciona\w*|abre\w*|norma\w*|ok)\b", 1),
    (r"\bso (?:acontece )?(?:com|pra|para) (?:ele|ela|mim|esse|essa|este|esta|o|a)\b", 1),
    (r"\b(?:colegas|outros|outras|demais)\b[^.!?\n]{0,30}\bconsegu\w*", 1),
)
RECOVERED = table(
    (r"\bja (?:voltou|normalizou|esta funcionando|funciona)\b|\bvoltou (?:ao normal|a funcionar|tudo)\b", 1),
    (r"\bfoi (?:resolvido|normalizado)\b|\b(?:ficou|esteve) fora do ar\b", 1),
    (r"\b(?:hoje|agora) (?:ja )?(?:esta|ta) normal\b", 1),
)
HYPOTHETICAL = re.compile(r"\b(?:se|caso)\b(?: [\w-]+){0,4} (?:ficar|estiver|cair|parar|fique|caia|esteja)\b")
URGENT = table((r"\burgent\w*", 1))

SCORES: dict[str, Table] = {
    "bug": table(
        (r"\berro\b|\berror\b|\bfalha\b|\bbug\b", 1),
        (HTTP, 1),
        (r"\berr_\w+", 2),
        (r"\bnao (?:\w+ ){0,2}?(?:salv|grav|sincroniz|envi|receb|aparec|atualiz|calcul|imprim|export|anex"
         r"|mostr)\w*", 2),
        (r"\b(?:ninguem|nao) (?:\w+ )?consegu\w*", 1),
        (r"\berrad[oa]s?\b|\bincorret[oa]s?\b|\btrocad[oa]s?\b|\bde outro cliente\b|\bzerad[oa]s?\b", 2),
        (r"\bnao bate[m]?\b|\bdiverge\w*|\bdivergen\w*", 2),
        (r"\bduplicad[oa]s?\b|\bduas vezes\b|\bem dobro\b|\brepetid[oa]s\b", 2),
        (r"\btrav(?:a|am|ando|ou|ada|ado|adas|ados)\b|\bfecha\w* sozinho\b|\bcongel\w*", 2),
        (r"\bsum(?:iu|iram|indo)\b|\bsomem?\b", 1),
        (r"\blent[oa]\b|\blentidao\b|\bdemor\w*|\bem branco\b|\bvazi[oa]\b|\batrasad[oa]s?\b|\binvalid[oa]s?\b", 1),
        (r"\bcortad[oa]\b|\bdesalinhad[oa]\b|\bestetic[oa]\b|\blayout\b|\b(?:simbolos|caracteres) estranhos\b", 1),
    ),
    "installation": table(
        (r"\binstal(?:ar|a|o|ou|ei|amos|ando|acao|e|em|am|ado|ada)\b", 3),
        (r"\b(?:play ?store|app ?store|google play|apple store|loja de aplicativos)\b", 3),
        (r"\b(?:baixar|download)\b|\b(?:atualiz|baix)(?:ar|a|o|ei|ou|amos) (?:o |do )?(?:app|aplicativo|oto)\b", 2),
        (r"\bespaco (?:no|do|em|insuficiente)\b|\bsem espaco\b|\bversao do (?:android|ios)\b|\bcompativel\b", 2),
        (r"\breinstal\w*|\bformat(?:ou|ar|ado|ada)\b", 1.5),
    ),
    "access": table(
        (r"\b(?:troc|mud|alter|reset|redefin|recuper|cri|ger)\w* (?:a |de |da |minha |sua )?senha\b", 3),
        (r"\besquec\w* (?:a |minha |sua |de |da )?senha\b|\bsenha\b[^.\n]{0,20}\besquec\w*", 3),
        (r"\b(?:cri|cadastr|liber|desbloque|bloque|desativ|inativ|exclu|remov)\w* (?:\d+ |o |um |uma |a |os |as )?"
         r"(?:nov[oa]s? )?(?:usuario|login|acesso|vendedor|vendedora|gerente)(?:e?s)?\b", 3),
        (r"\bnov[oa]s? (?:usuario|vendedor|vendedora|gerente|login|colaborador)\w*", 3),
        (r"\b(?:usuario|vendedor|vendedora)(?:e?s)? nov[oa]s?\b", 3),
        (r"\bdesbloque\w*|\bbloquead[oa]\b|\bdesativ\w*", 3),
        (r"\bprecisa[m]? de acesso\b|\bpreciso de acesso\b|\bdar acesso\b|\bliberar (?:o )?acesso\b", 3),
        (r"\b(?:alter|mud)\w* (?:o |do |de )?perfil\b|\bmudou de loja\b|\btrocou de loja\b", 3),
        (r"\b(?:criacao|cadastro|liberacao|exclusao|desativacao|bloqueio|desbloqueio) (?:de |do |da |dos )?"
         r"(?:novos? )?(?:acesso|usuario|login|senha)s?\b", 3),
        (r"\btransferi\w* (?:ele|ela|o usuario|a usuaria|o vendedor|a vendedora)\b", 3),
        (r"\b(?:usuario|login|acesso|conta) (?:esta |foi |ficou )?(?:inativ|bloquead|desativad|suspens)\w*", 3),
        (r"\btenham? acesso\b|\bter acesso\b", 3),
        (r"\bliberar\b", 1.5),
        (r"\bsenha\b", 1),
    ),
    "usage_question": table(
        (r"\bcomo (?:eu )?(?:faco|fazer|faz|configur\w*|vejo|ver|mudo|mudar|ativo|ativar|uso|usar|cadastr\w*"
         r"|export\w*|filtr\w*|consigo|posso|crio|criar|altero|alterar|coloco|adiciono)\b", 2),
        (r"\b(?:como|onde) (?:eu |nos |a gente )?(?!todo\b|isso\b|mesmo\b|outro\b|novo\b|muito\b|pouco\b)"
         r"[a-z]{3,}(?:o|amos|emos|imos)\b", 2),
        (r"\bonde (?:eu )?(?:vejo|fica|ficam|encontro|acho)\b|\bduvidas?\b|\b(?:gostaria|queria|quero) saber\b", 2),
        (r"\bcomo (?:eu |nos |a gente )?(?:posso |consigo |devo )?(?!qualquer\b)[a-z]{3,}(?:ar|er|ir)\b", 2),
        (r"\bqual (?:e )?(?:a|o) (?:diferenca|procedimento|caminho|forma)\b|\bo que significa\b", 2),
        (r"\bcomo funciona\b|\bexplicar\b|\b(?:qual|quais|tem algum|existe algum|ha algum) (?:\w+ )?"
         r"(?:relatorio|tela|menu|campo|opcao|aba)s?\b", 2),
        (r"\btem como\b|\be possivel\b|\bda para\b|\bda pra\b", 1.5),
        (r"\bmanual\b|\btreinamento\b|\btutorial\b", 2),
        (r"\bmaterial\b", 1),
    ),
}
# A bug's impact.
MINOR = table(
    (r"\bcortad[oa]\b|\bdesalinhad[oa]\b|\bestetic\w*|\bcosmetic\w*|\blayout\b|\bcor (?:do|da)\b", 1),
    (r"\bnao e urgente\b|\bsem urgencia\b|\bquando puder\b|\bnao impede\b|\bincomoda\b|\bmas funciona\b", 1),
    (r"\b(?:simbolos|caracteres) estranhos\b", 1),
)
BLOCKING = table(
    (r"\bnao (?:\w+ ){0,2}?(?:salv|grav|consig|conseg|funcion|carreg|abr|envi|receb|sincroniz|aparec|entr|anex"
     r"|imprim|export|ger)\w*", 1),
    (r"\bninguem consegu\w*|\btrav\w+|\bfecha\w* sozinho\b|\bsum(?:iu|iram)\b|\bsome\b", 1),
    (rf"\berrad[oa]s?\b|\bincorret\w*|\btrocad[oa]s?\b|\bem branco\b|{BLANK}", 1),
    (r"\bzerad[oa]s?\b|\bnao bate[m]?\b|\bdiverge\w*|\bdivergen\w*", 1),
    (HTTP, 1),
    (r"\berro\b|\berr_\w+", 1),
)
TEAM = table(
    (r"\b(?:os|as|varios|varias) (?:\w+ )?(?:vendedor|vendedora|gerente|usuario)\w*", 1),
    (r"\bequipe\b|\bloja inteira\b|\brelatorio\b", 1),
)
# A technical failure: makes an access request a bug.
FAILURE = table(
    (r"\berro\b|\berror\b|\bfalh\w*|\binvalid[oa]s?\b|\bnao (?:\w+ )?funciona\b", 1),
    (HTTP, 1),
    (r"\berr_\w+", 1),
    (r"\bnao (?:\w+ )?(?:chega|chegou|recebo|recebi|recebemos|envia|enviou)\b", 1),
)
MESSAGE = table((QUOTED_MESSAGE, 1))
# Required information.
WHEN = table(
    (r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b(?! ?(?:a|ate) \d{1,2}/)(?<!\d a \d\d/\d\d)(?<!\d a \d/\d\d)", 1),
    (r"\b\d{1,2}:\d{2}\b|\b\d{1,2} ?h(?:\d{2}|s)?\b|\b\d{1,2} e meia\b", 1),
    (r"\b(?:as|desde|desde as|por volta das|a partir das|umas)\s+(?:umas\s+)?\d{1,2}\b"
     r"(?! ?(?:lojas|vendedores|vendas|clientes|pessoas|usuarios|vezes|minutos|horas|dias|%))", 1),
    (r"\b(?:hoje|hj|ontem|anteontem)\b|\b(?:desde|mais|hoje) cedo\b|\bneste momento\b|\bagora ha pouco\b", 1),
    (r"\bha \d+ (?:minutos|min|horas|dias)\b|\b\d+ ?(?:minutos|min|horas|h) atras\b", 1),
    (r"\b(?:segunda|terca|quarta|quinta|sexta)(?:-feira| feira)?\b"
     r"(?! (?:vez|via|opcao|tela|linha|pagina|coluna|loja|venda))|\bsabado\b|\bdomingo\b", 1),
    (r"\b(?:semana passada|fim de semana|final de semana|de manha|pela manha|a tarde|a noite|de madrugada)\b", 1),
    (r"\bdia \d{1,2}\b|\b\d{1,2} de (?:jan|fev|mar|abr|mai|jun|jul|ago|set|out|nov|dez)\w*\b", 1),
)
ERROR = table(
    (HTTP, 1),
    (r"\berr_\w+|\b(?:code|codigo|cod)\s*:?\s*[\w-]*\d", 1),
    (QUOTED_MESSAGE, 1),
    (rf"{BLANK}|\btela em branco\b|\bmensagem de erro\b", 1),
    (r"\b(?:sem|nenhuma?|nao aparece nenhuma?|nao mostra)\s+(?:\w+\s+)?(?:mensagem|erro)\b", 1),
    (r"\b(?:diz|dizendo|informa|informando|avisa) que\b|\baparece que\b|\berro de (?!novo\b)[a-z]{4,}", 1),
)
STEPS = table(
    (r"\bpassos?\s*:|\bpasso a passo\b|\b(?:para|como) reproduzir\b", 1),
    (rf"\b(?:ao|quando|qdo|sempre que|toda vez que|depois de|apos|na hora de|no momento de)\s+"
     rf"(?:[^\W\d_]+\s+){{0,3}}?(?:{VERB}|(?:esta|estiver|fica|ficar)\b)", 1),
    (rf"\b(?:fui|tentei|tento|tentamos|tentou|vou)\s+{VERB}", 1),
    (r"\b(?:clico|escolho|abro|entro|seleciono|digito|preencho|salvo|vou em|filtro|coloco)\b[^.\n]{0,60}"
     r"\b(?:e|entao|ai)\s+(?:ele|ela|o sistema|o app|aparece|mostra|da|fica|volta)\b", 1),
    (r"(?m)^[^\n>]+>[^\n>]+>", 1),  # a menu path: Vendas > Nova venda > Salvar
)
# "Campo: valor" lines that answer a key the code knows, besides the key itself and the policy's label.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "description": ("descricao", "problema", "descricao do problema", "o que aconteceu", "ocorrido"),
    "occurred_at": ("data", "hora", "data/hora", "data e hora", "horario", "quando", "desde", "dia"),
    "error_messages": ("erro", "erros", "mensagem", "mensagem de erro", "codigo", "codigo de erro", "erro mostrado"),
    "steps_to_reproduce": ("passos", "passo a passo", "como reproduzir", "reproduzir"),
}
# Words that say nothing of the problem: a request of these only has no description.
STOPWORDS = frozenset({
    "para", "pelo", "pela", "como", "mais", "muito", "esta", "estou", "estamos", "esse", "essa", "isso", "aqui",
    "segue", "seguem", "anexo", "print", "prints", "obrigado", "obrigada", "favor", "podem", "pode", "poderiam",
    "ligar", "problema", "problemas", "ajuda", "ajudar", "urgente", "urgencia", "tarde", "noite", "pessoal",
    "equipe", "gente", "prezados", "prezado", "prezada", "vejam", "abaixo", "acima", "sobre", "retorno", "olha",
    "tudo", "todos", "voces", "voce", "conhecimento", "providencias", "atenciosamente", "abraco", "abracos", "grato",
    "grata",
})
# fmt: on
CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")  # on the writer's own text: ERR_..., SYNC_FAILED
FIELD = re.compile(r"^\s*([^\W\d_][^:\n]{0,40}?)\s*:[ \t]*(\S[^\n]*)$", re.MULTILINE)
LIST_ITEM = re.compile(r"^\s*(?:\d+[.)-]|[-*•])\s*([^\W\d_]+)[^\n]*$", re.MULTILINE)
WORD = re.compile(r"[^\W\d_]+")


# ---- reading: the parts of an email -----------------------------------------------------------------
WEIGHTS = {"subject": 1.0, "new": 1.0, "forwarded": 0.8, "quoted": 0.2}


@dataclass(frozen=True)
class Part:
    kind: str  # subject, new, forwarded, quoted
    raw: str
    low: str  # folded

    @property
    def weight(self) -> float:
        return WEIGHTS[self.kind]

    @property
    def informs(self) -> bool:
        """Whether it may say what the request is (quoted history does not)."""
        return self.kind != "quoted"

    @functools.cached_property
    def words(self) -> list[re.Match[str]]:
        return list(WORD.finditer(self.low))

    @functools.cached_property
    def tokens(self) -> tuple[str, ...]:
        return tuple(w.group() for w in self.words)

    @functools.cached_property
    def present(self) -> frozenset[str]:
        """The signals' needles this part holds: a row none of whose needles is here cannot match."""
        return frozenset(n for n in NEEDLES if n in self.low)

    def finditer(self, row: Row) -> Iterator[re.Match[str]]:
        if row.needles and self.present.isdisjoint(row.needles):
            return iter(())
        return row.pattern.finditer(self.low)


def _part(kind: str, raw: str) -> Part:
    return Part(kind, raw, fold(raw))


_PREFIX = re.compile(r"^\s*((?:re|res|aw|enc|fw|fwd|tr)\s*:\s*)+", re.IGNORECASE)
_REPLY_MARK = re.compile(r"^\s*(em|on|no dia)\b.{0,240}\b(escreveu|wrote)\s*:?\s*$")
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|mensagem original)\s*-{2,}\s*$")
_FORWARD_MARK = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|mensagem encaminhada)\s*-{2,}|begin forwarded message:"
    r"|inicio da mensagem encaminhada:)\s*$"
)
_RULE = re.compile(r"^\s*_{8,}\s*$")
_HEADER = re.compile(
    r"^\s*\*?(de|from|para|to|cc|cco|bcc|enviad[oa]|enviad[oa] em|sent|data|date|assunto|subject)\*?\s*:"
)
_CLOSING = re.compile(
    r"^\s*(att|atte|at\.te|atenciosamente|abs|abraco|abracos|obrigad[oa]|grat[oa]|cordialmente|saudacoes"
    r"|--|enviado do meu|enviado de|sent from my)\b"
)
_INLINE_CLOSING = re.compile(r"[.!?,]\s+(att|abs|obrigad[oa])\b[^.!?]{0,30}$")
_ROLE = re.compile(
    r"^\s*(gestor|gestora|gerente|vendedor|vendedora|diretor|diretora|coordenador|coordenadora|supervisor"
    r"|supervisora|analista|comercial|administrativo|ti)\b"
)
_PHONE = re.compile(r"^[\s()+\d.-]{8,}$")


MAX_TEXT = 20_000  # characters of the body read: a request says what it is at its start
MAX_SUBJECT = 500


def read(subject: str, text: str) -> list[Part]:
    """The email as parts: subject, new text, forwarded message, quoted history (those present)."""
    subject = subject[:MAX_SUBJECT]
    kind = _subject_kind(subject)
    lines = text[:MAX_TEXT].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    new: list[str] = []
    quoted: list[str] = []
    older: list[Part] = []
    for i, line in enumerate(lines):
        starts = _marker(lines, i, kind == "forwarded")
        if starts:
            older.append(_part(starts, "\n".join(_unsigned(_without_headers(lines[i + 1 :])))))
            break
        if line.lstrip().startswith(">"):
            quoted.append(re.sub(r"^\s*(>\s?)+", "", line))
        else:
            new.append(line)
    head = [_part(kind, _PREFIX.sub("", subject))] if subject.strip() else []
    tail = [_part("quoted", "\n".join(quoted))] if quoted else []
    return [*head, _part("new", "\n".join(_unsigned(new))), *older, *tail]


def _subject_kind(subject: str) -> str:
    prefix = _PREFIX.match(subject)
    if not prefix:
        return "subject"
    first = fold(prefix.group(0)).split(":")[0].strip()
    return "quoted" if first in ("re", "res", "aw") else "forwarded"


def _marker(lines: list[str], i: int, forwarded_subject: bool) -> str:
    """The kind of the older part that starts at line ``i`` ("" when none starts there)."""
    line = fold(lines[i])
    two = f"{line} {fold(lines[i + 1])}" if i + 1 < len(lines) else line
    if _FORWARD_MARK.match(line):
        return "forwarded"
    if _REPLY_MARK.match(line) or _REPLY_MARK.match(two):
        return "quoted"
    outlook = _HEADER.match(line) and re.match(r"^\s*\*?(de|from)\b", line)
    headers = bool(outlook) and any(_HEADER.match(fold(x)) for x in lines[i + 1 : i + 3])
    if headers or _RULE.match(line) or _ORIGINAL.match(line):
        return "forwarded" if forwarded_subject else "quoted"
    return ""


def _without_headers(lines: list[str]) -> list[str]:
    """An older part without its leading headers and its ">" marks."""
    lines = [re.sub(r"^\s*(>\s?)+", "", x) for x in lines]
    i = 0
    while i < len(lines) and (not lines[i].strip() or _HEADER.match(fold(lines[i])) or _marker(lines, i, False)):
        i += 1
    return lines[i:]


def _unsigned(lines: list[str]) -> list[str]:
    """``lines`` without the signature: from a closing line on, then a trailing block of names."""
    for i, line in enumerate(lines):
        if _CLOSING.match(fold(line)) and len(line.split()) <= 5:
            lines = lines[:i]
            break
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    end = len(lines)
    while end > 1 and end > len(lines) - 4 and _name_like(lines[end - 1]):
        end -= 1
    if any(x.strip() for x in lines[:end]):
        lines = lines[:end]
    if lines:
        found = _INLINE_CLOSING.search(fold(lines[-1]))
        lines[-1] = lines[-1][: found.start() + 1] if found else lines[-1]
    return lines


def _name_like(line: str) -> bool:
    """A signature's line: a name, a role, a phone, an email."""
    words = line.replace("|", " ").replace("-", " ").split()
    low = fold(line).strip()
    if not words or ":" in line:
        return False
    if _ROLE.match(low) or _PHONE.match(line) or re.fullmatch(r"\S+@\S+", low):
        return True
    if low.startswith(("loja", "filial", "unidade")):
        return False
    return len(words) <= 4 and all(w[0].isupper() for w in words) and not line.rstrip().endswith(("?", "."))


# ---- hits -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    part: Part
    start: int
    end: int
    weight: float

    @property
    def text(self) -> str:
        return " ".join(self.part.raw[self.start : self.end].split())


def hits(parts: Iterable[Part], rows: Table) -> list[Hit]:
    """Every match of ``rows`` in ``parts``, weighed by the row and the part."""
    return [Hit(p, m.start(), m.end(), row.weight * p.weight) for p in parts for row in rows for m in p.finditer(row)]


@dataclass(frozen=True)
class Reading:
    parts: list[Part]
    _found: dict[int, list[Hit]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def informing(self) -> list[Part]:
        return [p for p in self.parts if p.informs]

    def find(self, rows: Table, quoted_too: bool = False) -> list[Hit]:
        """The hits of ``rows`` (one of this module's tables: searched once per reading)."""
        found = self._found.get(id(rows))
        if found is None:
            found = self._found[id(rows)] = hits(self.parts, rows)
        return list(found) if quoted_too else [h for h in found if h.part.informs]

    def messages(self) -> list[Hit]:
        """An error's text quoted ("aparece 'Falha ao salvar'"), or a code written like ERR_SYNC."""
        codes = [Hit(p, m.start(), m.end(), 1) for p in self.informing for m in CODE.finditer(p.raw)]
        return self.find(MESSAGE) + codes


def real(found: list[Hit]) -> list[Hit]:
    """The hits not said as a hypothesis ("se um dia o Oto ficar fora do ar")."""
    kept = []
    for hit in found:
        since = max(0, hit.start - 200)  # a hypothesis is said just before ("se um dia o Oto ficar")
        sentence = max(since - 1, *(hit.part.low.rfind(c, since, hit.start) for c in ".!?\n")) + 1
        if not HYPOTHETICAL.search(hit.part.low, sentence, hit.end):
            kept.append(hit)
    return kept


def total(found: list[Hit]) -> float:
    """The weight of the hits, each place in the text counted once (at its heaviest)."""
    best: dict[tuple[int, int], float] = {}
    for hit in found:
        key = (id(hit.part), hit.start)
        best[key] = max(best.get(key, 0.0), hit.weight)
    return sum(best.values())


def quote(found: Sequence[Hit], limit: int = 3) -> str:
    """The writer's words of the heaviest hits, quoted: '"fora do ar" e "todas as lojas"'."""
    texts: list[str] = []
    taken: list[Hit] = []
    for hit in sorted(found, key=lambda h: -h.weight):  # stable: a table's first rows are its surest
        text = hit.text if len(hit.text) <= 40 else hit.text[:37] + "..."
        overlaps = any(o.part is hit.part and o.start < hit.end and hit.start < o.end for o in taken)
        if not overlaps and text.lower() not in (t.lower() for t in texts):
            texts.append(text)
            taken.append(hit)
    shown = [f'"{t}"' for t in texts[:limit]]
    return " e ".join([", ".join(shown[:-1]), shown[-1]]) if len(shown) > 1 else "".join(shown)


# ---- category and outage --------------------------------------------------------------------------------------
def outage_signals(reading: Reading) -> tuple[list[Hit], list[Hit]]:
    """(what says the platform is down now, what says for whom): empty when it is no outage now."""
    if reading.find(LIMITED) or reading.find(RECOVERED):
        return [], []
    down, weak, everyone = real(reading.find(DOWN)), real(reading.find(WEAK_DOWN)), reading.find(EVERYONE)
    if down:
        return down, everyone
    return (weak, everyone) if weak and everyone else ([], [])


def scores(reading: Reading) -> dict[str, list[Hit]]:
    """Each category's hits. Quoted history counts (a little) for every category but availability: an
    outage below a new message is over or known. Down for some people only is a bug, not an outage."""
    found = {code: reading.find(rows, quoted_too=True) for code, rows in SCORES.items()}
    down = real(reading.find(DOWN)) + reading.find(UNSTABLE)
    found["bug"] += real(reading.find(WEAK_DOWN))
    if reading.find(LIMITED):
        found["bug"] += down
        down = []
    found["availability"] = down
    return found


def categorise(reading: Reading, outage: bool) -> tuple[str, str]:
    """The suggested category and its reason."""
    found = scores(reading)
    if outage:
        return "availability", f"indisponibilidade: {quote(found['availability'] or reading.find(WEAK_DOWN))}"
    failure = reading.find(FAILURE) + reading.messages()
    if found["access"] and failure:
        return "bug", f"pedido de acesso ou senha que falha com erro ({quote(failure, 2)}): é bug"
    best = max(CATEGORIES, key=lambda code: (total(found[code]), -CATEGORIES.index(code)))
    if not found[best]:
        return "bug", "nenhum sinal claro no texto: tratado como problema, a confirmar"
    return best, f"{CATEGORY_WORDS[best]}: {quote(found[best])}"


# ---- priority -------------------------------------------------------------------------------------------------
def at_rank(policy: Policy, rank: int) -> str:
    """The policy's priority of urgency ``rank`` (0 the most urgent), its last when it has fewer."""
    names = list(policy.priorities)
    return names[min(rank, len(names) - 1)]


def prioritise(policy: Policy, reading: Reading, category: str, outage: tuple[list[Hit], list[Hit]]) -> tuple[str, str]:
    """The suggested priority ("" when nothing says) and its reason."""
    down, everyone = outage
    if down:
        said = quote(down, 2) + (f" e {quote(everyone, 1)}" if everyone else "")
        return at_rank(policy, 0), f"suspeita de indisponibilidade: menciona {said}"
    rank, why = _rank(policy, reading, category)
    if rank < 0:
        return "", why
    urgent = reading.find(URGENT)
    if urgent:
        why += f"; pede urgência ({quote(urgent, 1)}), mas sem sinal de indisponibilidade"
    return at_rank(policy, rank), why


def _rank(policy: Policy, reading: Reading, category: str) -> tuple[int, str]:
    if not in_scope(policy, category):
        found = scope_category(policy, category)
        return 2, f"fora do escopo ({found.label if found else category}): a menor prioridade"
    if category == "availability":
        said = quote(reading.find(RECOVERED) or reading.find(LIMITED) or scores(reading)["availability"], 1)
        return 1, f"indisponibilidade que não é atual ou não é geral ({said})"
    minor = reading.find(MINOR)
    if minor:
        return 2, f"problema menor ({quote(minor, 2)})"
    down = real(reading.find(DOWN)) + real(reading.find(WEAK_DOWN))  # for some people only: not an outage
    failing = reading.find(BLOCKING) + reading.find(FAILURE) + reading.messages()
    blocking = failing + down + reading.find(TEAM) + reading.find(EVERYONE)
    if blocking:
        return 1, f"impede uma função ou afeta uma loja ou equipe ({quote(blocking, 2)})"
    if scores(reading)["bug"]:
        return 2, "problema de uma pessoa que não impede o trabalho"
    return -1, "nenhum sinal de prioridade: vale a prioridade padrão da política"


# ---- who and where ------------------------------------------------------------------------------------------
STORE_AT = re.compile(r"\b(?:loja|lojas|filial|filiais|unidade)\b\s*:?\s*(?:da |de |do )?")
GENERIC_STORE_WORDS = frozenset({"loja", "filial", "unidade", "shopping", "de", "do", "da", "dos", "das", "e"})
PERSON_CUES = frozenset(
    {"vendedor", "vendedora", "gerente", "usuario", "usuaria", "gestor", "gestora", "o", "a", "do", "da", "pro", "pra"}
    | {"com", "ao", "para", "sr", "sra"}
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FIRST_PERSON = re.compile(
    r"\b(?:meu|minha) (?:usuario|login|acesso|conta|senha|perfil)\b|\bcomigo\b|\bsou eu\b|\bso (?:pra|para) mim\b"
)
GROUP = re.compile(r"\b(?:os|as|varios|varias|todos os|uns) (?:\w+ )?(?:vendedor|vendedora|gerente|usuario)\w*")
ROLE_CUE = (
    r"\b(?:vendedor|vendedora|gerente|usuario|usuaria|gestor|gestora|funcionari[oa]|colaborador[a]?"
    r"|nome del[ea] e|usuario afetado)\w*\s*:?\s*"
)
NAMED = (  # "o vendedor Marcos", "a nova gerente, a Fernanda Costa", "a Camila Torres como vendedora"
    re.compile(rf"{ROLE_CUE}(?:o |a )?([^\W\d_]+(?: [^\W\d_]+)?)"),
    re.compile(rf"{ROLE_CUE}[^.\n]{{0,40}}?[,:]\s*(?:o |a )?([^\W\d_]+(?: [^\W\d_]+)?)"),
)
NAMED_AS = re.compile(r"\b([^\W\d_]+ [^\W\d_]+),? como (?:vendedor|vendedora|gerente|gestor|gestora)\b")
PRODUCT_WORDS = frozenset({"oto", "context", "web", "app", "android", "iphone", "ios", "ipad"})
LIST_NAME = re.compile(r"^\s*(?:\d+[.)-]|[-*•])\s*([^\W\d_]+(?: [^\W\d_]+){1,2})\s*$", re.MULTILINE)
VOCATIVE = re.compile(
    r"^\s*(?:(?:oi|ola|bom dia|boa tarde|boa noite|prezad[oa]s?|car[oa]s?)\s*,?\s+)?[^\W\d_]+(?: [^\W\d_]+)?\s*[,!]"
)


@dataclass(frozen=True)
class Directory:
    """A customer's people, indexed by email, by name (whole, first, first and last, first two) and by the
    words of their stores' names."""

    by_email: dict[str, Candidate]
    by_alias: dict[tuple[str, ...], tuple[Candidate, ...]]
    stores: dict[tuple[str, ...], tuple[str, ...]]  # folded words -> the directory's store names
    longest: int
    starts: frozenset[str]  # the first words of names and stores: any other word starts neither

    @classmethod
    def of(cls, people: Sequence[Candidate]) -> Directory:
        return _directory(tuple(people))

    @classmethod
    def build(cls, people: tuple[Candidate, ...]) -> Directory:
        by_alias: dict[tuple[str, ...], tuple[Candidate, ...]] = {}
        stores: dict[tuple[str, ...], tuple[str, ...]] = {}
        for person in people:
            for alias in _aliases(person.name):
                by_alias[alias] = (*by_alias.get(alias, ()), person)
            for key in _store_keys(person.store):
                if person.store not in stores.get(key, ()):
                    stores[key] = (*stores.get(key, ()), person.store)
        longest = max((len(a) for a in by_alias), default=1)
        starts = frozenset(k[0] for k in (*by_alias, *stores))
        return cls({p.email.lower(): p for p in people if p.email}, by_alias, stores, longest, starts)


@functools.lru_cache(maxsize=32)
def _directory(people: tuple[Candidate, ...]) -> Directory:
    """Built once for the messages of one customer in a row."""
    return Directory.build(people)


def _aliases(name: str) -> set[tuple[str, ...]]:
    words = tuple(WORD.findall(fold(name)))
    return {words, words[:1], words[:2], (words[0], words[-1])} if words else set()


def _store_keys(store: str) -> set[tuple[str, ...]]:
    """The words that name a store: its whole name, its name without "Loja", each distinctive word."""
    words = tuple(WORD.findall(fold(store)))
    bare = tuple(w for w in words if w not in GENERIC_STORE_WORDS)
    return {k for k in (words, bare, *((w,) for w in bare)) if k}


@dataclass(frozen=True)
class Mention:
    part: int  # the index of the part (an earlier part's mention comes first)
    at: int
    people: tuple[Candidate, ...]  # the directory's people it may be (empty: someone it does not know)


@dataclass(frozen=True)
class Facts:
    """Who and where, as the request says."""

    person: Candidate | None
    store: str
    mentions: list[Mention]
    everyone: bool


def who_and_where(reading: Reading, directory: Directory) -> Facts:
    """The affected person (when the directory knows them), the store, everyone named."""
    mentions = sorted(
        (m for i, p in enumerate(reading.informing) for m in (*_known(i, p, directory), *_strangers(i, p))),
        key=lambda m: (m.part, m.at),
    )
    stores = [
        name for _, _, name in sorted(s for i, p in enumerate(reading.informing) for s in _stores(i, p, directory))
    ]
    person = _resolve(mentions, stores)
    store = "" if reading.find(ALL_STORES) else (stores[0] if stores else (person.store if person else ""))
    return Facts(person, store, mentions, bool(reading.find(EVERYONE)))


def _known(index: int, part: Part, directory: Directory) -> Iterator[Mention]:
    """The directory's people named in ``part``: by email, or by name (a first name alone must be
    written with a capital or after a cue such as "vendedor" or "o"); a greeting's name is skipped."""
    for m in EMAIL.finditer(part.low):
        known = directory.by_email.get(m.group().strip("."))
        yield Mention(index, m.start(), (known,) if known else ())
    vocative = VOCATIVE.match(part.low)
    skip = vocative.end() if vocative else 0
    i = 0
    while i < len(part.tokens):
        size, people = _alias_at(part, directory, i) if part.tokens[i] in directory.starts else (0, ())
        if people and part.words[i].start() >= skip:
            yield Mention(index, part.words[i].start(), people)
        i += size or 1


def _alias_at(part: Part, directory: Directory, i: int) -> tuple[int, tuple[Candidate, ...]]:
    for size in range(min(directory.longest, len(part.tokens) - i), 0, -1):
        people = directory.by_alias.get(part.tokens[i : i + size])
        cued = part.raw[part.words[i].start()].isupper() or (i > 0 and part.tokens[i - 1] in PERSON_CUES)
        if people and (size > 1 or cued):
            return size, people
    return 0, ()


def _strangers(index: int, part: Part) -> Iterator[Mention]:
    """People named by their role ("a vendedora Joana") or in a list of names, known or not."""
    for pattern in (*NAMED, LIST_NAME):
        for m in pattern.finditer(part.low):
            if part.raw[m.start(1)].isupper():
                yield Mention(index, m.start(1), ())
    for m in NAMED_AS.finditer(part.low):  # "a Camila Torres como vendedora": both words a name's
        words = part.raw[m.start(1) : m.end(1)].split()
        if all(w[0].isupper() and fold(w) not in PRODUCT_WORDS for w in words):
            yield Mention(index, m.start(1), ())


def _stores(index: int, part: Part, directory: Directory) -> Iterator[tuple[int, int, str]]:
    """The stores named in ``part``: after "loja", "filial" ..., or a name of two words or more anywhere."""
    for m in STORE_AT.finditer(part.low):
        name = _known_store_at(part.low, m.end(), directory) or _written_store(part, m)
        if name:
            yield index, m.start(), name
    for i, token in enumerate(part.tokens):
        if token in directory.starts:
            names = directory.stores.get(part.tokens[i : i + 3], ()) or directory.stores.get(part.tokens[i : i + 2], ())
            if len(names) == 1 and i + 1 < len(part.tokens):
                yield index, part.words[i].start(), names[0]


def _known_store_at(low: str, at: int, directory: Directory) -> str:
    words = WORD.findall(low, at, at + 60)
    for size in (3, 2, 1):
        names = directory.stores.get(tuple(words[:size]), ())
        if len(names) == 1:
            return names[0]
    return ""


def _written_store(part: Part, cue: re.Match[str]) -> str:
    """A store the directory does not know, as written: "Loja: Filial Gravataí", "loja Shopping Total"."""
    line_end = part.low.find("\n", cue.end())
    line = part.raw[cue.start() : line_end if line_end >= 0 else len(part.raw)]
    if re.match(r"lojas?\s*:", part.low[cue.start() :]):
        value = re.split(r"[.,;(]", line.split(":", 1)[1])[0].strip()
        return "" if re.search(r"\btodas\b", fold(value)) else value
    if cue.group().split()[0].endswith("s"):  # "lojas", "filiais": several
        return ""
    after = re.match(r"[^\W_]+(?: [^\W_]+){0,2}", part.raw[cue.end() : cue.end() + 60])
    taken: list[str] = []
    for word in after.group().split() if after else []:
        if not (word[0].isupper() or word.isdigit()):
            break
        taken.append(word)
    return (
        " ".join([part.raw[cue.start() : cue.start() + len(cue.group().split()[0].rstrip(":"))], *taken])
        if taken
        else ""
    )


def _resolve(mentions: list[Mention], stores: list[str]) -> Candidate | None:
    """The first person named whom the directory identifies, if need be by the store named."""
    for mention in mentions:
        if len(mention.people) == 1:
            return mention.people[0]
        in_store = [p for p in mention.people if p.store in stores]
        if len(in_store) == 1:
            return in_store[0]
    return None


# ---- required information --------------------------------------------------------------------------------
def has_description(reading: Reading, facts: Facts) -> bool:
    """The body says something beyond greetings; a subject is a title, unless it says it all."""
    body = [p for p in reading.informing if p.kind != "subject"]
    words = [w for p in body for w in _content_words(p.low)]
    found = (h for rows in (*SCORES.values(), DOWN, WEAK_DOWN) for h in reading.find(rows))
    signal = any(h.part.kind != "subject" for h in found)
    subject = [p for p in reading.informing if p.kind == "subject"]
    return len(words) >= 4 or (signal and len(words) >= 2) or any(len(_content_words(p.low)) >= 6 for p in subject)


def _content_words(low: str) -> list[str]:
    return [w for w in WORD.findall(low) if len(w) >= 4 and w not in STOPWORDS]


def has_affected_user(reading: Reading, facts: Facts) -> bool:
    """Someone the directory knows, the group affected ("ninguém", "todas as lojas"), the writer ("meu
    usuário"), or someone named (or a group such as "os vendedores") with their store."""
    if facts.person is not None or facts.everyone:
        return True
    texts = [p.low for p in reading.informing]
    if any(FIRST_PERSON.search(t) for t in texts):
        return True
    named = any(len(m.people) != 1 for m in facts.mentions) or any(GROUP.search(t) for t in texts)
    return named and bool(facts.store)


def has_occurred_at(reading: Reading, facts: Facts) -> bool:
    return bool(reading.find(WHEN))


def has_error_messages(reading: Reading, facts: Facts) -> bool:
    return bool(reading.find(ERROR) or reading.messages())


def has_steps(reading: Reading, facts: Facts) -> bool:
    """Steps given: "Passos:", a menu path, the action that triggers it, or a list of two actions or more."""
    if reading.find(STEPS):
        return True
    for part in reading.informing:
        actions = [m for m in LIST_ITEM.finditer(part.low) if _is_action(m)]
        if len(actions) >= 2:
            return True
    return False


def _is_action(item: re.Match[str]) -> bool:
    return item.group(1).endswith(("ar", "er", "ir")) and not item.group(0).rstrip().endswith("?")


RECOGNISERS: dict[str, Callable[[Reading, Facts], bool]] = {
    "description": has_description,
    "affected_user": has_affected_user,
    "occurred_at": has_occurred_at,
    "error_messages": has_error_messages,
    "steps_to_reproduce": has_steps,
}


def missing_information(policy: Policy, reading: Reading, facts: Facts) -> tuple[str, ...]:
    """The policy's required items the request lacks, in the policy's order."""
    fields = [(m.group(1).strip(), m.group(2).strip("-?. ")) for p in reading.informing for m in FIELD.finditer(p.low)]
    out = []
    for item in policy.required_information:
        names = {*FIELD_NAMES.get(item.key, ()), fold(item.label).strip(), item.key.replace("_", " ")}
        recognise = RECOGNISERS.get(item.key)
        # The affected user's field goes through the person's recogniser: a name alone may not be enough.
        if item.key != "affected_user" and any(name in names and value for name, value in fields):
            continue
        if recognise is None or not recognise(reading, facts):
            out.append(item.key)
    return tuple(out)


# ---- the triage -------------------------------------------------------------------------------------------------
def triage(subject: str, text: str, policy: Policy, people: Sequence[Candidate] = ()) -> Triage:
    """Suggestions for a new request: category, priority, what is missing, who and where."""
    reading = Reading(read(subject, text))
    outage = outage_signals(reading)
    category, category_reason = categorise(reading, bool(outage[0]))
    priority, priority_reason = prioritise(policy, reading, category, outage)
    facts = who_and_where(reading, Directory.of(people))
    return Triage(
        priority=priority,
        priority_reason=priority_reason,
        category=category,
        category_reason=category_reason,
        missing=missing_information(policy, reading, facts),
        affected_email=facts.person.email if facts.person else "",
        affected_store=facts.store,
        outage=bool(outage[0]),
    )
