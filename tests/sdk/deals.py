"""The official Python SDK (gohighlevel-api-client) against `rolo sandbox`:
the Opportunities service, as an integration uses it, unchanged (only the
base URL points at the sandbox). Lists pipelines and lost reasons,
searches a contact's deals with the SDK's own (v3, camelCase) query names,
creates a deal, moves it a stage on and marks it won. Exits non-zero on any
surprise.

    pip install gohighlevel-api-client
    rolo sandbox --addr 127.0.0.1:8788 --token T &
    python3 tests/sdk/deals.py http://127.0.0.1:8788 T sandbox-location
"""

import asyncio
import sys

from highlevel import HighLevel


async def main(base_url: str, token: str, location_id: str) -> int:
    HighLevel.BASE_URL = base_url
    ghl = HighLevel(private_integration_token=token)
    opp = ghl.opportunities
    problems = []

    pipelines = (await opp.get_pipelines(location_id)).get("pipelines") or []
    print("pipelines:", ", ".join(f"{p['name']} ({len(p['stages'])} stages)" for p in pipelines))
    if len(pipelines) < 2 or any(not p["stages"] or "name" not in p["stages"][0] for p in pipelines):
        problems.append("pipelines without named stages")

    reasons = (await opp.get_lost_reason(location_id)).get("lostReasons") or []
    print("lost reasons:", ", ".join(r["name"] for r in reasons))

    page = await opp.search_opportunity(location_id, limit=20, page=1)
    rows = page.get("opportunities") or []
    total = page.get("meta", {}).get("total")
    print(f"search: {len(rows)} on page 1 of {total} deals")
    if len(rows) != 20 or not total:
        problems.append("search did not page")

    contact = rows[0]["contactId"]
    theirs = (await opp.search_opportunity(location_id, contact_id=contact, status="all")).get("opportunities") or []
    print(f"contact {contact}: {len(theirs)} deal(s): {[o['name'] for o in theirs]}")
    if not theirs or any(o["contactId"] != contact for o in theirs):
        problems.append("the contact filter (contactId) was not applied")

    # A contact with no open deal in the second pipeline gets one there.
    second = pipelines[1]
    people = (await ghl.contacts.search_contacts_advanced({"locationId": location_id, "pageLimit": 20})).get("contacts") or []
    for person in people:
        open_there = await opp.search_opportunity(
            location_id, contact_id=person["id"], pipeline_id=second["id"], status="open")
        if not open_there.get("opportunities"):
            contact = person["id"]
            break
    made = await opp.create_opportunity({
        "pipelineId": second["id"], "locationId": location_id, "name": "SDK deal",
        "status": "open", "contactId": contact, "monetaryValue": 750,
    })
    deal = made.get("opportunity") or {}
    print(f"created: {deal.get('name')} in stage {deal.get('pipelineStageId')}")
    if deal.get("pipelineStageId") != second["stages"][0]["id"]:
        problems.append("a new deal did not start in the first stage")
    moved = await opp.update_opportunity(deal["id"], {"pipelineStageId": second["stages"][1]["id"]})
    if (moved.get("opportunity") or {}).get("pipelineStageId") != second["stages"][1]["id"]:
        problems.append("the stage did not move")
    won = await opp.update_opportunity_status(deal["id"], {"status": "won"})
    again = (await opp.get_opportunity(deal["id"])).get("opportunity") or {}
    print(f"status: {won} -> {again.get('status')}")
    if again.get("status") != "won":
        problems.append("the deal is not won")
    await opp.delete_opportunity(deal["id"])

    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:4])))
