"""The translators' template: messages.pot is what the code's texts extract to."""

from __future__ import annotations

from babel.messages.pofile import read_po

from tests.web.test_catalogs import ROOT, ui_messages


def test_the_translators_template_holds_what_the_code_uses():
    """messages.pot is what translators start from: extracted again (babel.cfg says how), it
    lists the same msgids, no fewer (a text they would never see) and no more."""
    with (ROOT / "gateway/locale/messages.pot").open("rb") as source:
        template = {m.id for m in read_po(source) if m.id}
    used = ui_messages()
    assert sorted(used - template) == [], "not in messages.pot: extract it again (babel.cfg)"
    assert sorted(template - used) == [], "messages.pot holds texts no longer used"
