"""The minutes document: every fact in three languages, the same bytes for the same data,
and a PAdES signature pyHanko's own validator accepts (and refuses once the file changes)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from kelisim import signing
from kelisim.settings import Settings
from services.councils.minutes.document import Facts, Issued, Remark, Signature, render, view
from services.councils.minutes.texts import LABELS
from services.councils.rendering import content_sha256
from services.councils.rendering import render as render_text

pytestmark = pytest.mark.db_independent

PERSON = {"username": "a", "full_name": "Әлия Қасымова", "role": "chair"}
CONTENT = {
    "council": {
        "id": "c1",
        "name": "Алматы қаласының қоғамдық келісім кеңесі",
        "level": "region",
        "region": "KZ-75",
    },
    "session": {
        "id": "s1",
        "title": "Тілдерді дамыту",
        "starts_at": "2026-03-02T05:00:00+00:00",
        "place": "Достық үйі",
        "online_link": None,
    },
    "attendance": {
        "members": 3,
        "present": [PERSON, {"username": "b", "full_name": "Ivan Petrov", "role": "secretary"}],
        "absent": [{"username": "c", "full_name": "Ұлан Серікұлы", "role": "member"}],
    },
    "quorum": {"members": 3, "present": 2, "required": 2, "reached": True},
    "items": [
        {
            "id": "i1",
            "position": 1,
            "titles": {"kk": "Жастар форумы", "ru": "Молодёжный форум", "en": "Youth forum"},
            "proposal": {"kk": "Әкімдікке ұсыну", "en": "Recommend the akimat"},
            "rapporteur": "А. Сейтқали",
            "rule": "simple",
            "recused": [],
            "entitled": ["a", "b"],
            "votes": [
                {**PERSON, "choice": "for"},
                {
                    "username": "b",
                    "full_name": "Ivan Petrov",
                    "role": "secretary",
                    "choice": "against",
                },
            ],
            "for": 1,
            "against": 1,
            "abstained": 0,
            "adopted": False,
        }
    ],
    "notes": {},
    "corrects": None,
}
SHA = content_sha256(CONTENT)
FACTS = Facts(
    protocol_id="p1",
    sha256=SHA,
    published_at=datetime(2026, 3, 5, 4, 30, tzinfo=UTC),
    signatures=(Signature("chair", "Әлия Қасымова", datetime(2026, 3, 4, 6, 0, tzinfo=UTC)),),
    remarks=(Remark("Ivan Petrov", "Түзету жоқ", datetime(2026, 3, 3, 6, 0, tzinfo=UTC)),),
    recommendations=(Issued("i1", "Алматы әкімдігі", "Форум өткізу", date(2026, 4, 1)),),
)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("kk", ["ХАТТАМА", "қабылданбады", "Жастар форумы", "10:00", "Қазақстан уақыты"]),
        ("ru", ["ПРОТОКОЛ", "не принят", "Молодёжный форум", "2 марта 2026"]),
        ("en", ["MINUTES", "not adopted", "Youth forum", "March 2, 2026, 10:00"]),
    ],
)
def test_the_minutes_print_every_fact_in_each_language(lang, words):
    text = text_of(render(CONTENT, FACTS, lang, "https://kelisim.example"))
    for word in [*words, "Әлия Қасымова", "Алматы әкімдігі", "Форум өткізу", SHA[:16]]:
        assert word in text.replace("\n", " "), (lang, word)


def test_the_same_data_gives_the_same_bytes_and_another_date_does_not():
    first = render(CONTENT, FACTS, "kk", "https://kelisim.example")
    assert render(CONTENT, FACTS, "kk", "https://kelisim.example") == first
    later = Facts(**{**FACTS.__dict__, "published_at": datetime(2026, 3, 6, tzinfo=UTC)})
    assert render(CONTENT, later, "kk", "https://kelisim.example") != first


def test_the_view_tells_attendance_and_votes_in_plain_words():
    minutes = view(CONTENT, FACTS, "en")
    assert minutes["attendance"]["plain"].startswith("2 of the council's 3 members were present")
    item = minutes["items"][0]
    assert item["votes_plain"] == (
        "2 members were entitled to vote: 1 for, 1 against, 0 abstained."
    )
    assert item["decision"] == "the draft decision “Recommend the akimat” was not adopted."
    assert minutes["signatures"][0]["at"] == "March 4, 2026, 11:00"


REJECTED = {
    "kk": "Шешім: «Әкімдікке ұсыну» шешім жобасы қабылданбады.",
    "ru": "Решение: проект решения «Тренинги өткізу» не принят.",
    "en": "Decision: the draft decision “Recommend the akimat” was not adopted.",
}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_rejected_draft_reads_as_a_draft_not_adopted_in_the_pdf_the_text_and_the_view(lang):
    """It read "Решение: не принято. Рекомендовать…", like a recommendation the council made."""
    item = {**CONTENT["items"][0]}  # type: ignore[index]
    item["proposal"] = {
        "kk": "Әкімдікке ұсыну",
        "ru": "Тренинги өткізу",
        "en": "Recommend the akimat",
    }
    content = {**CONTENT, "items": [item]}
    sentence = REJECTED[lang]
    label, said = sentence.split(": ", 1)
    assert sentence in render_text(content, lang).splitlines()
    assert view(content, FACTS, lang)["items"][0]["decision"] == said
    assert sentence in text_of(render(content, FACTS, lang, "https://kelisim.example")).replace(
        "\n", " "
    )
    adopted = {**content, "items": [{**item, "adopted": True}]}
    verdict = LABELS[lang]["adopted"] + ". " + item["proposal"][lang]
    assert f"{label}: {verdict}" in render_text(adopted, lang).splitlines()
    assert view(adopted, FACTS, lang)["items"][0]["decision"] == verdict
    unvoted = {**content, "items": [{**item, "adopted": None}]}
    assert view(unvoted, FACTS, lang)["items"][0]["decision"] == LABELS[lang]["not_voted"]


def test_the_signature_validates_with_pyhanko_and_a_changed_byte_breaks_it(tmp_path: Path):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    settings = Settings(data_dir=tmp_path)
    signing.ensure_certificate(settings)
    unsigned = render(CONTENT, FACTS, "ru", "https://kelisim.example")
    signed = signing.sign_pdf(unsigned, signing.signer(settings), reason="test")
    assert signed.startswith(unsigned)  # the unsigned file is the first revision
    root = asn1_x509.Certificate.load(signing.certificates(settings)[0].public_bytes(Encoding.DER))

    def status(pdf: bytes):  # type: ignore[no-untyped-def]
        signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
        return validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))

    good = status(signed)
    assert good.bottom_line and good.intact and good.trusted
    assert good.coverage.name == "ENTIRE_FILE"
    at = unsigned.index(b"endstream") - 5  # a byte of page content, inside the signed range
    forged = signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1 :]
    assert not status(forged).intact


def test_the_signed_minutes_still_declare_pdf_a_3b_with_embedded_fonts(tmp_path: Path):
    # No PDF/A validator runs here (veraPDF is not packaged for Debian): check what PDF/A-3b
    # asks of the signed file that signing could break, on the file's last revision.
    settings = Settings(data_dir=tmp_path)
    signing.ensure_certificate(settings)
    unsigned = render(CONTENT, FACTS, "kk", "https://kelisim.example")
    signed = signing.sign_pdf(unsigned, signing.signer(settings), reason="test")
    reader = PdfReader(io.BytesIO(signed))
    catalog = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    intents = [intent.get_object() for intent in catalog["/OutputIntents"]]
    assert any(i["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents)
    assert "/Encrypt" not in reader.trailer
    assert "/JavaScript" not in catalog.get("/Names", {})
    fonts = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)
                fonts += 1
    assert fonts > 0
    signature_field = catalog["/AcroForm"]["/Fields"][0].get_object()
    assert signature_field["/V"].get_object()["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_emoji_pasted_into_an_item_and_a_recommendation_print_as_glyphs_not_boxes():
    item = {**CONTENT["items"][0], "titles": {"kk": "Жастар форумы 🤝", "en": "Youth forum 🤝"}}
    content = {**CONTENT, "items": [item]}
    issued = (Issued("i1", "Алматы әкімдігі", "Форум өткізу ✅", date(2026, 4, 1)),)
    facts = Facts(
        **{**FACTS.__dict__, "sha256": content_sha256(content), "recommendations": issued}
    )
    printed = render(content, facts, "kk", "https://kelisim.example")
    reader = PdfReader(io.BytesIO(printed))
    text = text_of(printed).replace("\n", " ")
    assert "Жастар форумы 🤝" in text and "Форум өткізу ✅" in text
    fonts = {
        str(f.get_object()["/BaseFont"])
        for p in reader.pages
        for f in p["/Resources"]["/Font"].values()
    }
    assert any("+Symbola" in font for font in fonts), fonts


SILENT = {"username": "c", "full_name": "Ұлан Серікұлы", "role": "member"}


def _one_present_one_voting() -> dict:
    """One present of three (a quorum of one), one abstaining and one present who did not vote."""
    item = {
        **CONTENT["items"][0],
        "entitled": ["a", "c"],
        "votes": [{**PERSON, "choice": "abstain"}],
        "did_not_vote": [SILENT],
        "for": 0,
        "against": 0,
        "abstained": 1,
    }
    quorum = {"members": 3, "present": 1, "required": 1, "reached": True}
    return {**CONTENT, "quorum": quorum, "items": [item]}


@pytest.mark.parametrize(
    ("lang", "attendance", "votes", "silent"),
    [
        (
            "en",
            "1 of the council's 3 members was present; 1 was needed for a quorum",
            "2 members were entitled to vote: 0 for, 0 against, 1 abstained.",
            "Did not vote",
        ),
        (
            "ru",
            "Присутствовал 1 из 3 членов совета; для кворума нужно 1",
            "Право голоса имели 2: за — 0, против — 0, воздержался — 1.",
            "Не голосовал(а)",
        ),
        (
            "kk",
            "Кеңестің 3 мүшесінің 1 қатысты",
            "Дауыс беруге құқылы 2 мүше: 0 жақтады, 0 қарсы, 1 қалыс қалды.",
            "Дауыс бермеді",
        ),
    ],
)
def test_the_minutes_agree_in_number_and_name_who_did_not_vote(lang, attendance, votes, silent):
    content = _one_present_one_voting()
    minutes = view(content, FACTS, lang)
    assert minutes["attendance"]["plain"].startswith(attendance)
    (item,) = minutes["items"]
    assert item["votes_plain"] == votes
    assert item["did_not_vote_label"] == silent
    assert item["did_not_vote"] == [f"Ұлан Серікұлы ({LABELS[lang]['member']})"]
    printed = text_of(render(content, FACTS, lang, "https://kelisim.example")).replace("\n", " ")
    assert f"{silent}: Ұлан Серікұлы" in printed


def test_russian_minutes_say_abstained_in_the_plural_for_several():
    item = {**_one_present_one_voting()["items"][0], "abstained": 5, "entitled": list("abcdef")}
    minutes = view({**CONTENT, "items": [item]}, FACTS, "ru")
    assert minutes["items"][0]["votes_plain"].endswith("воздержались — 5.")
    assert minutes["attendance"]["plain"].startswith("Присутствовали 2 из 3 членов совета")
