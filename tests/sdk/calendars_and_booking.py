"""The official Python SDK (gohighlevel-api-client) against `rolo sandbox`:
the Calendars service as an integration uses it, unchanged (only the base
URL points at the sandbox). Lists calendars and the coming week's events
per calendar, asks for free slots, books the first one for a contact,
marks it a no-show, and reads it back. Exits non-zero on any surprise.

    pip install gohighlevel-api-client
    rolo sandbox --addr 127.0.0.1:8788 --token T &
    python3 tests/sdk/calendars_and_booking.py http://127.0.0.1:8788 T sandbox-location
"""

import asyncio
import sys
import time

from highlevel import HighLevel


async def main(base_url: str, token: str, location_id: str) -> int:
    HighLevel.BASE_URL = base_url
    ghl = HighLevel(private_integration_token=token)
    cal = ghl.calendars
    problems = []

    calendars = (await cal.get_calendars(location_id)).get("calendars") or []
    print("calendars:", ", ".join(c["name"] for c in calendars))
    if not calendars:
        return 1

    now = int(time.time() * 1000)
    week = now + 7 * 24 * 3600 * 1000
    total = 0
    for c in calendars:
        events = (await cal.get_calendar_events(location_id, str(now), str(week), calendar_id=c["id"])).get("events") or []
        total += len(events)
        if any(e["calendarId"] != c["id"] for e in events):
            problems.append(f"events of another calendar under {c['name']}")
    print(f"events this week: {total}")

    first = calendars[0]
    slots = await cal.get_slots(first["id"], now, week, timezone="America/Chicago")
    days = {d: v["slots"] for d, v in slots.items() if isinstance(v, dict)}
    print(f"free slots: {sum(len(s) for s in days.values())} over {len(days)} days")
    start = next(iter(days.values()))[0]

    contacts = (await ghl.contacts.search_contacts_advanced({"locationId": location_id, "pageLimit": 1})).get("contacts") or []
    made = await cal.create_appointment({
        "calendarId": first["id"], "locationId": location_id,
        "contactId": contacts[0]["id"], "startTime": start, "title": "SDK booking",
    })
    print(f"booked: {made.get('id')} at {made.get('startTime')}")
    if not made.get("id"):
        problems.append("the booking has no id")
    edited = await cal.edit_appointment(made["id"], {"appointmentStatus": "noshow"})
    back = (await cal.get_appointment(made["id"])).get("event") or {}
    print(f"status: {edited.get('appointmentStatus')} -> {back.get('appointmentStatus')}")
    if back.get("appointmentStatus") != "noshow":
        problems.append("the status did not stick")
    again = await cal.get_slots(first["id"], now, week, timezone="America/Chicago")
    if start in str(again) and back.get("appointmentStatus") != "cancelled":
        problems.append("the booked slot is still offered")

    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:4])))
