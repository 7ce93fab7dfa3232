"""Issue 17.1: a case is found by its number (whole or its sequence part), by a party's name in
any spelling (only by those who may see parties) and by its description."""

from __future__ import annotations

from tests.cases.support import BASE, assert_problem, ok
from tests.support.gateway import gateway_stack


def _ids(answer) -> list[str]:  # type: ignore[no-untyped-def]
    return [c["id"] for c in ok(answer)["items"]]


async def test_search_by_number_by_name_in_any_spelling_and_by_description(settings):
    async with gateway_stack(settings) as stack:
        gw = stack.client
        coord = await stack.login_as("coord-almaty", roles=["coordinator"], regions=["KZ-75"])
        med = await stack.login_as("med-aigerim", roles=["mediator"], regions=["KZ-75"])
        other = await stack.login_as("med-bolat", roles=["mediator"], regions=["KZ-75"])
        admin = stack.admin

        def party(name: str) -> dict:
            return {"kind": "person", "name": name}

        first = ok(
            await gw.post(
                BASE,
                headers=coord,
                json={
                    "region": "KZ-75",
                    "category": "neighbour",
                    "description": "A quarrel over the courtyard well",
                    "parties": [party("Жанар Әлиева"), party("Qairat Nurlanov")],
                },
            ),
            201,
        )
        second = ok(
            await gw.post(
                BASE,
                headers=coord,
                json={
                    "region": "KZ-75",
                    "category": "land",
                    "description": "Pasture boundary",
                    "parties": [party("Асель Жумабаева")],
                },
            ),
            201,
        )

        async def found(headers: dict, q: str) -> list[str]:
            return _ids(await gw.get(BASE, headers=headers, params={"q": q}))

        number = first["number"]
        sequence = number.rsplit("-", 1)[1]
        for q in (number, number.lower(), sequence, str(int(sequence))):
            assert await found(coord, q) == [first["id"]], q
        # Every spelling of a name, Cyrillic or Latin, Kazakh or Russian, and inflected forms.
        for q in ("Жанар", "Zhanar", "janar", "Zhanar Aliyeva", "Әлиевой", "Кайрат", "Қайрат"):
            assert await found(coord, q) == [first["id"]], q
        for q in ("Asel", "Assel", "Әсел Жұмабаева", "Zhumabayeva"):
            assert await found(coord, q) == [second["id"]], q
        assert await found(coord, "Ерлан") == []
        assert await found(coord, "courtyard") == [first["id"]]

        # The mediator finds the case by number at once, by name only after declaring.
        ok(
            await gw.post(
                f"{BASE}/{first['id']}/assignment", headers=coord, json={"mediator": "med-aigerim"}
            )
        )
        assert await found(med, number) == [first["id"]]
        assert await found(med, "Zhanar") == []
        assert await found(med, "courtyard") == []
        ok(
            await gw.post(
                f"{BASE}/{first['id']}/declaration", headers=med, json={"conflict": False}
            )
        )
        assert await found(med, "Zhanar") == [first["id"]]
        assert await found(med, "Asel") == []  # not their case
        assert await found(other, number) == []
        # The admin reads numbers but no personal data: a name search is refused.
        assert await found(admin, sequence) == [first["id"]]
        assert_problem(await gw.get(BASE, headers=admin, params={"q": "Zhanar"}), 403, "forbidden")
