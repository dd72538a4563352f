"""Triage of a new request (issue #9, section 3): small tables of cases, then the hand-labelled corpus
against the issue's aims (tests/intake/corpus/, labelled from the policy's reading, see its README)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pytest
from bench.triage import CORPUS, load_corpus, score_corpus

from sladesk.core.policy import load_default_policy
from sladesk.core.policy.model import Priority, RequiredItem, ScopeCategory
from sladesk.intake import triage as t
from sladesk.intake.triage import Candidate, Triage, triage

POLICY = load_default_policy()
DOMAIN = "lojas-exemplo.example"
PEOPLE = (
    Candidate("Ana Souza", f"ana.souza@{DOMAIN}", ""),
    Candidate("Diego Alves", f"diego.alves@{DOMAIN}", "Loja Centro"),
    Candidate("Elisa Rocha", f"elisa.rocha@{DOMAIN}", "Loja Centro"),
    Candidate("João Pereira", f"joao.pereira@{DOMAIN}", "Loja Moinhos"),
    Candidate("João Vitor Santos", f"joaovitor.santos@{DOMAIN}", "Loja Zona Sul"),
    Candidate("Rosa Maria Lopes", f"rosa.lopes@{DOMAIN}", "Loja Moinhos"),
    Candidate("Luíza Fernandes", f"luiza.fernandes@{DOMAIN}", "Loja Shopping Iguatemi"),
)
ALL_KEYS = ("description", "affected_user", "occurred_at", "error_messages", "steps_to_reproduce")


def run(text: str, subject: str = "", policy: object = POLICY) -> Triage:
    assert isinstance(policy, type(POLICY))
    return triage(subject, text, policy, PEOPLE)


# ---- category, priority, outage ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("subject", "text", "category", "priority", "outage"),
    [
        ("Oto fora do ar", "O Oto está fora do ar em todas as lojas desde as 9h.", "availability", "P1", True),
        ("", "ninguem consegue acessar o oto web, da erro 503 pra todos", "availability", "P1", True),
        ("", "NENHUM VENDEDOR CONSEGUE ENTRAR NO APP, TELA BRANCA EM TODAS AS LOJAS", "availability", "P1", True),
        ("", "Ontem o sistema ficou fora do ar por 10 minutos, já voltou ao normal.", "availability", "P2", False),
        ("", "Se um dia o Oto ficar fora do ar, qual o procedimento?", "usage_question", "P3", False),
        ("", "O relatório de vendas dá erro 504, os outros relatórios funcionam.", "bug", "P2", False),
        ("", "Fora do ar só pra mim? Meus colegas conseguem acessar normalmente.", "bug", "P2", False),
        ("URGENTE!!!", "URGENTE: o logo está cortado no cabeçalho do relatório.", "bug", "P3", False),
        ("", "Ao redefinir a senha da Elisa aparece erro 500.", "bug", "P2", False),
        ("", "Preciso trocar a senha do vendedor Diego, ele esqueceu.", "access", "P3", False),
        ("", "Podem criar o usuário do novo vendedor da loja Centro?", "access", "P3", False),
        ("", "O celular do Diego não tem espaço para instalar o app da Play Store.", "installation", "P3", False),
        ("", "Como faço para exportar o relatório de metas?", "usage_question", "P3", False),
        ("Problema", "Bom dia, estou com problema no Oto. Podem me ligar?", "bug", "", False),
        ("", "O Oto Web não está abrindo em nenhum computador, dá ERR_CONNECTION_REFUSED.", "availability", "P1", True),
        ("", "O Thiago saiu de férias, dá pra bloquear o acesso dele?", "access", "P3", False),
        ("", "QUERO SABER COMO TIRAR O RELATORIO DE COMISSAO", "usage_question", "P3", False),
        ("", "O e-mail de recuperação de senha não chega.", "bug", "P2", False),
    ],
)
def test_it_suggests_a_category_and_a_priority(
    subject: str, text: str, category: str, priority: str, outage: bool
) -> None:
    got = run(text, subject)
    assert (got.category, got.priority, got.outage) == (category, priority, outage), got


def test_it_does_not_let_an_outage_in_quoted_history_decide() -> None:
    got = run(
        "Voltou, obrigada. Aproveitando: como faço para cadastrar uma campanha?\n\n"
        "Em seg., 8 de mar. de 2027 às 09:20, Ana Souza <ana.souza@lojas-exemplo.example> escreveu:\n"
        "> O Oto está fora do ar em todas as lojas, ninguém consegue entrar. Erro 503.",
        "Re: Oto fora do ar",
    )
    assert (got.category, got.priority, got.outage) == ("usage_question", "P3", False)
    assert "error_messages" in got.missing  # the 503 was in the old message


def test_it_reads_a_forwarded_message_as_the_request() -> None:
    got = run(
        "Vejam abaixo.\n\n---------- Forwarded message ---------\nDe: Elisa Rocha <elisa.rocha@lojas-exemplo.example>\n"
        "Date: seg., 8 de mar. de 2027 às 10:02\nSubject: app\n\n"
        "O app não carrega para nenhum vendedor da loja Centro desde as 9:40.",
        "Fwd: app",
    )
    assert (got.category, got.priority, got.affected_store) == ("availability", "P1", "Loja Centro")
    assert got.affected_email == ""  # who wrote the forwarded message is not who is affected


def test_it_says_why_in_the_writers_words() -> None:
    got = run("O Oto está FORA DO AR em todas as lojas.")
    assert got.priority_reason == 'suspeita de indisponibilidade: menciona "FORA DO AR" e "todas as lojas"'
    assert "é bug" in run("Ao redefinir a senha aparece erro 500.").category_reason
    urgent = run("URGENTE o botão está desalinhado, mas funciona")
    assert "urgência" in urgent.priority_reason and urgent.priority == "P3"
    assert run("Como faço para ver as metas?").priority_reason == "fora do escopo (Dúvida de uso): a menor prioridade"


def test_it_takes_the_priorities_from_the_policy_most_urgent_first() -> None:
    names = ("Alta", "Normal", "Baixa")
    renamed = dataclasses.replace(POLICY, priorities={n: Priority(n, n, n) for n in names})
    assert run("Sistema fora do ar em todas as lojas.", policy=renamed).priority == "Alta"
    assert run("A venda não salva, dá erro 500.", policy=renamed).priority == "Normal"
    assert run("Como faço para exportar o relatório?", policy=renamed).priority == "Baixa"
    two = dataclasses.replace(POLICY, priorities={n: Priority(n, n, n) for n in ("Urgente", "Normal")})
    assert run("Como faço para exportar o relatório?", policy=two).priority == "Normal"  # its last


@pytest.mark.parametrize("name", ["usage", "usage_question"])
def test_it_knows_the_question_category_by_either_name(name: str) -> None:
    categories = {k: v for k, v in POLICY.scope.categories.items() if k not in ("usage", "usage_question")}
    categories[name] = ScopeCategory(name, "Dúvida de uso", in_scope=False)
    policy = dataclasses.replace(POLICY, scope=dataclasses.replace(POLICY.scope, categories=categories))
    assert t.in_scope(policy, "usage_question") is False
    got = run("Como faço para exportar o relatório?", policy=policy)
    assert got.category == "usage_question" and "Dúvida de uso" in got.priority_reason


# ---- what is missing ---------------------------------------------------------------------------------------------
def test_it_finds_everything_in_field_lines_with_or_without_accents() -> None:
    text = (
        "Usuario: Diego Alves\nLoja: Centro\nData: 08/03 14h\nErro: nenhuma mensagem aparece\n"
        "Passos: abrir o app > Vendas > Nova venda > Salvar\n"
        "Descricao: a venda não é salva e volta para a tela anterior"
    )
    got = run(text)
    assert got.missing == ()
    assert (got.affected_email, got.affected_store) == ("diego.alves@lojas-exemplo.example", "Loja Centro")


def test_it_lists_what_a_greeting_lacks_in_the_policys_order() -> None:
    assert run("Bom dia, segue print.\n\nAtt,\nAna Souza\n(51) 99100-0001").missing == ALL_KEYS


@pytest.mark.parametrize(
    ("text", "key", "present"),
    [
        ("Aconteceu ontem às 14h.", "occurred_at", True),
        ("Foi hoje de manhã, hj as 10.", "occurred_at", True),
        ("Desde sexta-feira.", "occurred_at", True),
        ("Escolho o período 01/03 a 15/03 e ele mostra o mês inteiro.", "occurred_at", False),
        ('Aparece "Falha ao sincronizar".', "error_messages", True),
        ("Dá ERR_SYNC_FAILED.", "error_messages", True),
        ("O app fica com a tela branca.", "error_messages", True),
        ("Sem mensagem de erro.", "error_messages", True),
        ("Dá erro.", "error_messages", False),
        ("Aparece lista vazia.", "error_messages", False),
        ("Quando clico em Salvar, nada acontece.", "steps_to_reproduce", True),
        ("1. Entrar no Oto web\n2. Clicar em Exportar", "steps_to_reproduce", True),
        ("Dúvidas:\n1. Como mudo a meta?\n2. Onde vejo os clientes?", "steps_to_reproduce", False),
        ("Preciso cadastrar:\n1. Marina Silva\n2. Pedro Henrique", "steps_to_reproduce", False),
        ("A venda da Elisa não salva.", "affected_user", True),
        ("Ninguém consegue acessar.", "affected_user", True),
        ("No meu usuário o relatório não abre.", "affected_user", True),
        ("Na loja Centro o relatório não abre.", "affected_user", False),  # a store alone
        ("O vendedor Marcos, da loja Centro, não consegue salvar.", "affected_user", True),
        ("O vendedor Marcos não consegue salvar.", "affected_user", False),  # unknown, no store
    ],
)
def test_it_recognises_each_required_item(text: str, key: str, present: bool) -> None:
    assert (key not in run(text).missing) is present


def test_a_key_it_does_not_know_is_missing_unless_a_field_line_names_it() -> None:
    item = RequiredItem("contract_number", "Número do contrato")
    policy = dataclasses.replace(POLICY, required_information=(*POLICY.required_information, item))
    assert run("A venda não salva.", policy=policy).missing[-1] == "contract_number"
    assert "contract_number" not in run("A venda não salva.\nNúmero do contrato: 4411", policy=policy).missing


# ---- who and where ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "email", "store"),
    [
        ("O usuário joao.pereira@lojas-exemplo.example não entra.", "joao.pereira", "Loja Moinhos"),
        ("o app do vendedor joao pereira fecha sozinho", "joao.pereira", "Loja Moinhos"),
        ("A LUIZA NAO CONSEGUE SALVAR", "luiza.fernandes", "Loja Shopping Iguatemi"),
        ("Usuario: Joao Vitor\nLoja: Zona Sul", "joaovitor.santos", "Loja Zona Sul"),
        ("O João não consegue ver os clientes.", "", ""),  # two Joãos
        ("O João da loja Moinhos não consegue ver os clientes.", "joao.pereira", "Loja Moinhos"),
        ("A barra do menu ficou rosa.", "", ""),  # a colour, not Rosa
        ("Elisa, o app não abre na FILIAL IGUATEMI.", "", "Loja Shopping Iguatemi"),  # Elisa is addressed
        ("Não acho o app na loja de aplicativos.", "", ""),
        ("Loja: Filial Gravataí\nUsuário: Roberto", "", "Filial Gravataí"),
        ("Fora do ar em todas as lojas, a Elisa avisou.", "elisa.rocha", ""),
        ("O relatório não abre.\n\nAtt,\nAna Souza\nGestora", "", ""),  # a signature
        ("O relatório não abre.\nANA SOUZA\nGESTORA", "", ""),
    ],
)
def test_it_finds_the_affected_person_and_store(text: str, email: str, store: str) -> None:
    got = run(text)
    assert (got.affected_email, got.affected_store) == (f"{email}@{DOMAIN}" if email else "", store)


def test_it_builds_a_customers_index_once_for_many_messages() -> None:
    many = [Candidate(f"Pessoa {i} Silva", f"p{i}@{DOMAIN}", f"Loja {i % 50}") for i in range(2000)]
    many.append(Candidate("Diego Alves", f"diego.alves@{DOMAIN}", "Loja Centro"))
    assert t.Directory.of(many) is t.Directory.of(list(many))
    got = triage("", "A venda do vendedor Diego não salva.", POLICY, many)
    assert (got.affected_email, got.affected_store) == (f"diego.alves@{DOMAIN}", "Loja Centro")


# ---- the machinery ----------------------------------------------------------------------------------------------
def test_it_folds_accents_and_case_keeping_the_length() -> None:
    assert t.fold("AÇÃO Não É ﬁm") == "acao nao e ﬁm"
    assert len(t.fold("Gonçalves İstanbul")) == len("Gonçalves İstanbul")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bfora do ar\b", ("fora do ar",)),
        (r"\blojas?\b", ("loja",)),
        (r"\b(?:erro|error)\b|\bfalha\b", ("erro", "error", "falha")),
        (r"\bnao (?:\w+ )?abre\b", ("nao ",)),
        (r"\b(?:a|b)?c", ()),  # an optional group: no prefix is sure
        (r"\b\d{1,2}:\d{2}\b", ()),
        (r"\(todas\)|\btodas\b", ()),
    ],
)
def test_it_derives_only_sure_literal_prefixes(pattern: str, expected: tuple[str, ...]) -> None:
    assert t.needles(pattern) == expected


def _tables() -> list[t.Row]:
    tables = [v for v in vars(t).values() if isinstance(v, tuple) and v and isinstance(v[0], t.Row)]
    return [row for table in (*tables, *t.SCORES.values()) for row in table]


def test_the_prefilter_never_hides_a_match_in_the_corpus() -> None:
    requests, _ = load_corpus()
    hidden = []
    for request in requests:
        for part in t.read(request["subject"], request["text"]):
            for row in _tables():
                if row.pattern.search(part.low) and not any(n in part.low for n in row.needles or ("",)):
                    hidden.append(f"{request['id']}: {row.pattern.pattern[:60]}")
    assert hidden == []


def test_it_reads_only_the_start_of_a_huge_message() -> None:
    got = triage("Re: " * 1000, "O Oto está fora do ar em todas as lojas. " + "blá " * 2_000_000, POLICY, PEOPLE)
    assert got.outage  # what the first lines say; the rest is not read


def test_it_imports_no_django() -> None:
    code = "import sys, sladesk.intake.triage; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- the corpus against the issue's aims -------------------------------------------------------------------------
def test_the_corpus_is_big_enough_and_labelled_with_the_policys_words() -> None:
    requests, people = load_corpus()
    counts = {c: sum(r["category"] == c for r in requests) for c in t.CATEGORIES}
    assert len(requests) >= 60 and len({r["id"] for r in requests}) == len(requests)
    assert counts["availability"] >= 12 and counts["access"] >= 8 and counts["installation"] >= 8
    assert counts["usage_question"] >= 10 and sum(r["priority"] == "P1" for r in requests) >= 12
    keys = [i.key for i in POLICY.required_information]
    for r in requests:
        assert r["missing"] == [k for k in keys if k in r["missing"]], r["id"]  # known keys, the policy's order
        assert r["priority"] in ("", *POLICY.priorities), r["id"]
        assert not r["affected_email"] or r["affected_email"] in {p.email for p in people}, r["id"]
    assert (CORPUS / "README.md").exists()


def test_the_corpus_meets_the_issues_aims() -> None:
    result = score_corpus()
    misses = "\n".join(f"[{aim}] {line}" for aim, lines in result.misses.items() for line in lines)
    assert result.scope_right >= 0.90 * result.n, f"scope {result.scope_right}/{result.n}\n{misses}"
    assert result.outages_caught == result.outages, f"outages {result.outages_caught}/{result.outages}\n{misses}"
    assert result.false_p1_per_30 <= 1.0, f"false P1 {result.false_p1} in {result.n}\n{misses}"
    assert result.items_right >= 0.90 * result.items, f"completeness {result.items_right}/{result.items}\n{misses}"
    # Measured too (the exact category is stricter than the aim's in/out of scope):
    assert result.category_right >= 0.90 * result.n, f"category {result.category_right}/{result.n}\n{misses}"


def test_the_benchmark_reports_the_three_aims() -> None:
    from bench.triage import run_triage

    result = run_triage(repeats=1)
    assert [c.passed for c in result.checks()] == [True] * 4
    report = "\n".join(result.report())
    assert re.search(r"corpus: \d+ requests", report) and "requests/s" in report
