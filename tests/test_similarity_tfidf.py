"""Abbreviations, error codes and the TF-IDF embedder: the same problem in other words scores as the same."""

from __future__ import annotations

import numpy as np
import pytest

from core.similarity.abbreviations import canonicalise, normalise_error_codes
from core.similarity.embedders import from_bytes, to_bytes
from core.similarity.evaluation import load_pairs, pair_cosines, threshold_for_precision
from core.similarity.problem_text import strip_boilerplate
from core.similarity.terms import stem, terms
from core.similarity.tfidf import TfidfEmbedder


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Azure AD", "Entra ID"),
        ("AAD", "azure active directory"),
        ("AVD", "Windows Virtual Desktop"),
        ("WVD", "Azure Virtual Desktop"),
        ("2FA", "multi-factor authentication"),
        ("GPO", "group policy"),
        ("ESP", "enrollment status page"),
        ("OST", "offline data file"),
        ("SSO", "single sign-on"),
        ("O365", "Microsoft 365"),
        ("M365", "Office 365"),
        ("MEM", "Microsoft Endpoint Manager"),
        ("Intune", "endpoint manager"),
        ("0x80180014", "80180014"),
        ("0XC004F074", "c004f074"),
        ("AADSTS 50076", "AADSTS50076"),
        ("rebooted the PC", "restarted the laptop"),
        ("presenter on a Mac", "presenter on macOS"),
        ("device syncing with MDM", "device syncing with Intune"),
        ("Restart Audiosrv", "restart the Windows Audio service"),
        ("WSearch stopped", "Windows Search stopped"),
    ],
)
def test_variants_fold_to_the_same_terms(left: str, right: str) -> None:
    assert terms(left) == terms(right)


def test_a_mac_address_is_not_a_mac() -> None:
    assert terms("check the MAC address") != terms("check the Mac")
    assert "mac_address" in terms("check the MAC address")


def test_whole_words_only_and_ticket_numbers_are_not_error_codes() -> None:
    assert canonicalise("advert memory ad") == "advert memory  active_directory "
    assert normalise_error_codes("order 12345678 and 0x80070005") == "order 12345678 and  err_80070005 "


def test_stemming_meets_plural_and_verb_forms() -> None:
    assert [stem(w) for w in ["drops", "dropping", "applied", "applies", "installed", "passes"]] == [
        "drop",
        "drop",
        "apply",
        "apply",
        "install",
        "pass",
    ]
    # A silent final "e" goes, so the verb meets its -ed and -ing forms and the noun its plural.
    assert {stem(w) for w in ["update", "updated", "updating", "updates"]} == {"updat"}
    assert {stem(w) for w in ["paste", "pasted", "pastes"]} == {"past"}
    assert {stem(w) for w in ["device", "devices"]} == {"devic"}
    # Short words and a doubled "e" keep it.
    assert [stem(w) for w in ["use", "free", "agree"]] == ["use", "free", "agree"]


def test_paraphrase_from_the_product_review_clears_the_threshold() -> None:
    embedder = TfidfEmbedder()
    left, right = embedder.embed(
        ["Can't join device to Intune, code 0x80180014", "Autopilot enrollment error 80180014"]
    )
    assert float(left @ right) == pytest.approx(0.5, abs=0.01)  # the shared error code carries it
    a, b = embedder.embed(
        ["Outlook keeps asking for password O365", "Outlook repeatedly prompts for Office 365 password"]
    )
    assert float(a @ b) >= embedder.threshold


def test_same_product_different_problem_stays_below_the_threshold() -> None:
    embedder = TfidfEmbedder()
    a, b = embedder.embed(["Teams camera not detected in meetings", "Teams chat messages not delivered"])
    assert float(a @ b) < embedder.threshold


def test_vectors_are_unit_float32_of_fixed_size_and_survive_storage() -> None:
    embedder = TfidfEmbedder()
    vectors = embedder.embed(["VPN drops every 10 minutes", ""])
    assert vectors.shape == (2, embedder.dims) and vectors.dtype == np.float32
    assert float(np.linalg.norm(vectors[0])) == pytest.approx(1.0, abs=1e-6)
    assert not vectors[1].any()  # an empty text has no direction, never a NaN
    assert np.array_equal(from_bytes(to_bytes(vectors[0])), vectors[0])


def test_embedding_is_deterministic_and_the_name_carries_the_idf_table_and_the_vocabulary(monkeypatch) -> None:
    first, second = TfidfEmbedder(), TfidfEmbedder()
    assert np.array_equal(first.embed(["OST file corrupt"]), second.embed(["OST file corrupt"]))
    assert first.name.startswith("tfidf synonyms v1 cap3.5 ") and len(first.name.split()[-1]) == 8
    # Another synonym table folds other words together: another embedder, whatever the IDF table.
    from core.similarity import abbreviations, terms

    monkeypatch.setitem(abbreviations.SYNONYMS, "power_automate", ("power automate",))
    terms.vocabulary_digest.cache_clear()
    try:
        assert TfidfEmbedder().name != first.name
    finally:
        monkeypatch.undo()
        terms.vocabulary_digest.cache_clear()
    assert TfidfEmbedder().name == first.name


def test_threshold_is_the_calibrated_one_on_the_training_split() -> None:
    train = [p for p in load_pairs() if p.split == "train"]
    scores = pair_cosines(TfidfEmbedder(), train, strip_boilerplate)
    calibrated = threshold_for_precision(scores, np.array([p.same for p in train]), 0.90)
    assert calibrated == pytest.approx(TfidfEmbedder.threshold, abs=0.005)


def test_tfidf_is_the_offline_default_and_local_is_chosen_by_name() -> None:
    from core.config import Settings
    from core.flywheel.plan import build_providers
    from core.similarity.embedders import LocalEmbedder

    assert isinstance(build_providers(Settings(embedder="tfidf")).embedder, TfidfEmbedder)
    assert isinstance(build_providers(Settings()).embedder, TfidfEmbedder)
    assert isinstance(build_providers(Settings(embedder="local")).embedder, LocalEmbedder)
    with pytest.raises(ValueError, match="auto, local, tfidf or voyage"):
        build_providers(Settings(embedder="minilm"))
