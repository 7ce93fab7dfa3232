"""A council that publishes a protocol through the gateway, with recommendations followed up."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from pypdf import PdfReader

from kelisim import signing
from kelisim.settings import Settings
from tests.councils.support import MEMBERS, CouncilWorld, make_council
from tests.support.gateway import Stack

PRESENT = [u for u in MEMBERS if u != "m7"]
SECRET_RESPONSIBLE = "Deputy akim Zhanibek Sergazin"  # a private person: never public


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pades_status(pdf: bytes, settings: Settings) -> Any:
    """pyHanko's own validation of the first signature, the system's certificate trusted."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(signing.certificates(settings)[0].public_bytes(Encoding.DER))
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))


async def seated_council(stack: Stack) -> CouncilWorld:
    """A council of nine whose members log in through the gateway."""
    council = await make_council(stack.client, stack.settings, admin_headers=stack.admin)
    for username in MEMBERS:
        role = "council_secretary" if username == "secretary" else "council_member"
        council.logins[username] = await stack.login_as(
            username, roles=[role], regions=["KZ-75"], councils=[council.id]
        )
    return council


async def publish_a_session(
    council: CouncilWorld,
) -> tuple[str, dict[str, Any], dict[str, dict[str, Any]]]:
    """Plan, convene, hold, vote, recommend, close, draft, circulate, approve, sign, publish.

    Three recommendations: one left overdue, one carried out late, one carried out on time.
    """
    # It met a week ago, so its recommendations may already be overdue or carried out late.
    session_id, (item_id,) = await council.sitting(present=PRESENT, starts_in=-timedelta(days=7))
    await council.ok("POST", f"/items/{item_id}/vote/open")
    choices = ["for"] * 6 + ["against", "abstain"]
    await council.vote(item_id, dict(zip(PRESENT, choices, strict=True)))
    assert (await council.ok("POST", f"/items/{item_id}/vote/close"))["adopted"] is True
    today = date.today()
    recs = {}
    for key, addressee, due in [
        ("overdue", "Akimat of Almaty", today - timedelta(days=1)),
        ("late", "Akimat of Almaty", today - timedelta(days=2)),
        ("on_time", "Department of education", today + timedelta(days=30)),
    ]:
        recs[key] = await council.ok(
            "POST",
            f"/items/{item_id}/recommendations",
            json={
                "addressee": addressee,
                "text": f"Жастар форумын өткізу ({key})",
                "responsible": SECRET_RESPONSIBLE,
                "due_date": due.isoformat(),
            },
        )
    for key in ("late", "on_time"):
        await council.ok(
            "POST",
            f"/recommendations/{recs[key]['id']}/responses",
            json={"status": "implemented", "text": f"Форум өтті ({key})"},
        )
    await council.ok("POST", f"/sessions/{session_id}/close")
    pid = (await council.ok("POST", f"/sessions/{session_id}/protocol"))["id"]
    await council.ok("POST", f"/protocols/{pid}/circulate")
    await council.ok("POST", f"/protocols/{pid}/remarks", who="m2", json={"text": "Келісемін"})
    await council.ok("POST", f"/protocols/{pid}/approve")
    await council.ok("POST", f"/protocols/{pid}/sign", who="chair")
    await council.ok("POST", f"/protocols/{pid}/sign")
    published = await council.ok("POST", f"/protocols/{pid}/publish")
    assert published["status"] == "published"
    return pid, published, recs
