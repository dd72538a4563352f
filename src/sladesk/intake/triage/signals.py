"""The pt-BR signals, as tables of patterns on folded text: outages, scope, priority, required items."""

from __future__ import annotations

import re

from sladesk.intake.triage.words import Table, table

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
