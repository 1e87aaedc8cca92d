"""Language tags are read the same by the CLI and the API."""

from __future__ import annotations

import pytest

from assistant._lang import language_code


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("nb", "no"),
        ("nn", "no"),
        ("no-NO", "no"),
        ("nb_NO", "no"),
        ("sv-SE", "sv"),
        ("EN", "en"),
        (" da ", "da"),
        ("pt-BR", "pt"),
        ("../etc", None),
        ("", None),
        (None, None),
    ],
)
def test_language_tags_are_normalised(tag: str | None, code: str | None) -> None:
    assert language_code(tag) == code
