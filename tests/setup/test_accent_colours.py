"""Whatever accent colour an owner picks, what is drawn with it stays readable (WCAG 2.2 AA)."""

import pytest

from api.templating import contrast_ratio, contrast_text, mix, readable_on

EXTREME_ACCENTS = ["#ffff00", "#000000", "#777777", "#00ff00", "#ffffff", "#0000ff", "#ff0000"]
LIGHT_PAGE, LIGHT_FACE = "#f4f5f4", "#ffffff"
DARK_PAGE, DARK_FACE = "#151817", "#1f2322"
LIGHT_LABEL, DARK_LABEL = "#3d4240", "#cfd4d1"


def test_contrast_ratio_matches_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#2f6f5e", "#2f6f5e") == 1


@pytest.mark.parametrize("accent", [*EXTREME_ACCENTS, "#2f6f5e", "#1f3a93", "#ffe14d"])
def test_text_on_the_accent_reads(accent: str) -> None:
    """The organisation bar and the send button: black or white, whichever reads."""
    assert contrast_ratio(accent, contrast_text(accent)) >= 4.5


@pytest.mark.parametrize("accent", [*EXTREME_ACCENTS, "#2f6f5e"])
def test_the_accent_stands_out_on_light_and_dark_pages(accent: str) -> None:
    """The selected face's ring and the button's edge, on every background they sit on."""
    light = readable_on(accent, LIGHT_PAGE)
    dark = readable_on(accent, DARK_FACE)
    for background in (LIGHT_PAGE, LIGHT_FACE):
        assert contrast_ratio(light, background) >= 4.5, (accent, light, background)
    for background in (DARK_PAGE, DARK_FACE):
        assert contrast_ratio(dark, background) >= 4.5, (accent, dark, background)


@pytest.mark.parametrize("accent", [*EXTREME_ACCENTS, "#2f6f5e"])
def test_a_selected_face_label_reads_on_its_tint(accent: str) -> None:
    assert contrast_ratio(LIGHT_LABEL, mix(accent, LIGHT_FACE, 0.86)) >= 4.5
    assert contrast_ratio(DARK_LABEL, mix(accent, DARK_FACE, 0.82)) >= 4.5


def test_a_readable_accent_is_left_as_it_is() -> None:
    assert readable_on("#2f6f5e", LIGHT_PAGE) == "#2f6f5e"
    assert readable_on("#7cc4ad", DARK_FACE) == "#7cc4ad"
