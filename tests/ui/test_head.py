"""The scripts and styles each kind of page carries, from the files in ui/static/page/."""

from __future__ import annotations

from ui._head import page_css, page_head
from ui._i18n import strings


def test_the_page_head_has_every_script_with_its_labels_filled_in() -> None:
    head = page_head()
    assert head.count("<script>") == head.count("</script>") == 3
    assert "assistant-question:" in head, "the question kept over a reload"
    assert "/*LABELS*/" not in head and "/*PREFIXES*/" not in head
    assert strings("sv")["scroll_down"] in head and "Ihre Frage: " in head
    assert "helpcenter-widget" not in head, "the widget's scripts are the widget's own"


def test_the_widget_adds_its_own_scripts_and_styles() -> None:
    widget = page_head(widget=True)
    assert widget.endswith(page_head()) and widget.count("<script>") == 5
    assert "helpcenter-widget:ready" in widget and "accent" in widget
    assert all("#chat table { display: block" in css for css in (page_css(), page_css(True)))
    assert "100dvh" in page_css() and "100dvh" not in page_css(widget=True)
