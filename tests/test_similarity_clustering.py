"""Gap clustering: one problem written many ways is one gap; a shared template does not make everything one gap."""

from __future__ import annotations

from benchmarks.quality import ONE_PROBLEM, OTHER_PROBLEMS, bpi_summaries
from core.similarity.clustering import CLUSTER_THRESHOLD, cluster_problems, code_keys, problem_vectors, typo_fixes
from core.similarity.evaluation import pair_counts
from core.similarity.terms import terms

# One problem written six ways, and other problems it must stay apart from (shared with the quality benchmark).
OTHERS = OTHER_PROBLEMS[:6]


def test_six_ways_of_writing_one_problem_make_one_cluster_apart_from_the_others() -> None:
    clusters = cluster_problems(OTHERS[:2] + ONE_PROBLEM + OTHERS[2:])
    assert clusters == [[0], [1], [2, 3, 4, 5, 6, 7], [8], [9], [10], [11]]


def test_templated_bpi_incidents_cluster_by_product_not_into_one() -> None:
    summaries, products = bpi_summaries()
    clusters = cluster_problems(summaries)
    assert len(summaries) == 64
    assert sorted(sorted({products[i] for i in c}) for c in clusters) == [
        [p] for p in ["PROD13", "PROD253", "PROD383", "PROD424", "PROD494", "PROD566", "PROD660", "PROD698"]
    ]


def test_a_phrase_in_nearly_every_text_weighs_almost_nothing() -> None:
    template = "Automated alert from monitoring: please investigate."
    problems = [
        "Disk full on file server",
        "Certificate expired on web server",
        "Backup job failed overnight",
        "Printer offline on second floor",
        "Outlook keeps prompting for password",
    ]
    texts = [f"{template} {p}" for p in problems] + ["Teams camera not detected"]
    vectors, _ids = problem_vectors(texts)
    # "server" is the only shared non-template word: still apart
    assert float(vectors[0] @ vectors[1]) < CLUSTER_THRESHOLD
    assert cluster_problems(texts) == [[0], [1], [2], [3], [4], [5]]


def test_conflicting_identifiers_keep_a_shared_template_apart() -> None:
    texts = [f"Low impact incident on {p}" for p in ("PROD424", "PROD77", "PROD424", "PROD31")]
    assert cluster_problems(texts) == [[0, 2], [1], [3]]
    assert cluster_problems(["Sign-in fails with 0x80070005", "Sign-in fails with 0x8004010F"]) == [[0], [1]]


def test_texts_that_are_only_the_template_still_group_and_empty_texts_stand_alone() -> None:
    assert cluster_problems(["Low impact incident", "Low impact incident", "", "thanks"]) == [[0, 1], [2], [3]]
    assert cluster_problems([]) == []


def test_a_code_is_one_term_however_it_is_spelled_and_products_are_not_codes() -> None:
    assert [
        code_keys(terms(t)) for t in ["AADSTS53000", "aad sts53000", "blocked (53000)", "M365 login", "PROD424"]
    ] == [
        {"53000"},
        {"53000"},
        {"53000"},
        set(),
        {"prod424"},
    ]
    # A year is a number, not a code.
    assert code_keys(terms("since the 2024 update")) == set()
    vectors, codes = problem_vectors(["AADSTS53000 on sign-in", "sign-in blocked (53000)", "AADSTS50076 on sign-in"])
    assert codes == [frozenset({"53000"}), frozenset({"53000"}), frozenset({"50076"})]
    # The first two share the code as one term; the third names another code and never joins them.
    assert round(float(vectors[0] @ vectors[1]), 2) > round(float(vectors[0] @ vectors[2]), 2)
    assert cluster_problems(["AADSTS53000 on sign-in", "sign-in blocked (53000)", "AADSTS50076 on sign-in"]) == [
        [0, 1],
        [2],
    ]


def test_a_slip_of_the_keyboard_is_read_as_the_word_it_stands_for() -> None:
    texts = [
        "Entra Connect sync error after the weekend",
        "Entra Conect sync erorr, new starter missing",
        "Safe Links blocking the supplier site",
        "Safe Linsk blocking suppplier site",
    ]
    assert typo_fixes(texts) == {"conect": "connect", "erorr": "error", "linsk": "links", "suppplier": "supplier"}
    # Another word, not a typo: a letter more at the end, one letter for another, or too short to tell.
    assert typo_fixes(["driver update", "drive mapped", "mouse lag", "house rules", "form sent", "from home"]) == {}
    assert cluster_problems(texts) == [[0, 1], [2, 3]]


def test_renamed_products_and_their_abbreviations_are_one_problem() -> None:
    texts = [
        "Azure AD Connect not syncing new users",
        "AADC delta sync failing for new users",
        "DirSync not syncing new users",
        "Office 365 ATP blocking the vendor link",
        "MDO Safe Links blocking the vendor link",
        "Defender for Office 365 blocking a vendor link",
        "Intune app install stays pending",
    ]
    assert {t for text in texts[:3] for t in terms(text)} & {"entra_connect"} == {"entra_connect"}
    assert [t for t in terms(texts[3]) if t.startswith("defender")] == ["defender_office"]
    assert cluster_problems(texts) == [[0, 1, 2], [3, 4, 5], [6]]
    # Defender for Endpoint's old names are never Defender for Office 365, whatever "ATP" says alone.
    endpoint = ["Windows Defender ATP: PCs never show up in the portal", "WDATP onboarding failed", "MDATP sensor"]
    assert [[t for t in terms(text) if t.startswith("defender")] for text in endpoint] == [["defender"]] * 3
    assert cluster_problems([*texts[3:6], "Windows Defender ATP: device not in the portal after onboarding"]) == [
        [0, 1, 2],
        [3],
    ]


def test_pair_counts_score_every_pair_against_the_problem_it_is_about() -> None:
    truth = {"a": "vpn", "b": "vpn", "c": "vpn", "d": "printer"}
    # a and b together, c alone (one problem split), d missing (with no one), and a stranger beside them.
    assert pair_counts(truth, {"a": 1, "b": 1, "c": 2}) == (1, 0, 2)
    assert pair_counts(truth, {"a": 1, "b": 1, "c": 1, "d": 1}) == (3, 3, 0)
