"""core.text: the one normaliser, tokenizer and stop-word list."""

from core.insights.clusters import keywords
from core.similarity.embedders import features
from core.text import STOP_WORDS, content_words, normalise, words


def test_normalise_folds_unicode_case_and_whitespace():
    assert normalise("  Ｏｕｔｌｏｏｋ\u00a0 keeps\n\tCRASHING ") == "outlook keeps crashing"
    assert normalise(None) == ""


def test_words_keep_error_codes_versions_and_product_names_whole():
    text = 'Error 0x80180014 on Win11 v2.4.1, after the C++ and C# update; "e-mail" can\'t sync (foo_bar).'
    assert words(text) == [
        "error",
        "0x80180014",
        "on",
        "win11",
        "v2.4.1",
        "after",
        "the",
        "c++",
        "and",
        "c#",
        "update",
        "e-mail",
        "can't",
        "sync",
        "foo_bar",
    ]


def test_words_of_other_scripts_are_words():
    assert words("Drucker läuft nicht, café") == ["drucker", "läuft", "nicht", "café"]


def test_content_words_drop_the_stop_words_and_keep_order_and_repeats():
    assert content_words("The user keeps getting error 809 on the VPN, VPN again") == ["809", "vpn", "vpn"]
    # Negation that separates two problems is content.
    assert content_words("Cannot connect to VPN") == ["cannot", "connect", "vpn"]
    assert {"the", "user", "error", "issue", "please"} <= STOP_WORDS
    assert "cannot" not in STOP_WORDS


def test_clusters_and_the_local_embedder_read_the_same_content_words():
    text = "Outlook keeps asking for the password after the update"
    assert keywords(text) == frozenset({"outlook", "asking", "password", "update"})
    assert sorted(k for k in features(text) if k.startswith("w:")) == [
        "w:asking",
        "w:outlook",
        "w:password",
        "w:update",
    ]
