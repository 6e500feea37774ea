"""Around the customer: contact-centre recordings and tickets, marketing lists and campaign
sends, and the website's cookie consent records."""

from __future__ import annotations

from pledge.demo import identifiers, names
from pledge.demo.customers import email, pick
from pledge.demo.rows import CHUNK, Chunk, Customer, Ids

DAY = 86_400
_SOURCES = ("website", "competition", "referral", "shop", "event")
_CHANNELS = ("email", "sms", "phone", "post")


def recording_path(recording_id: int, day: str) -> str:
    """Where a call recording's audio lives, relative to the estate's ``recordings`` folder."""
    return f"{day[:4]}/{day[5:7]}/call-{recording_id}.wav"


def contact_centre(chunk: Chunk) -> None:
    """Recordings of the last 60 days (half past the 30-day rule) and tickets."""
    rng, clock = chunk.rng("contact_centre"), chunk.clock
    customers, agents = chunk.customers, chunk.employee_ids
    recordings, tickets = chunk.add("call_recording"), chunk.add("ticket")
    recording_ids, ticket_ids = Ids(chunk.index, CHUNK), Ids(chunk.index, 2 * CHUNK)
    salt = chunk.plan.seed % 1_000
    for _ in range(len(customers) // 5):
        customer: Customer | None = customers[int(rng.random() * len(customers))]
        recorded = clock.now - int(rng.random() * 60 * DAY)
        recording_id = recording_ids.take()
        if customer is not None and rng.random() < 0.9:
            caller = identifiers.compact(customer.mobile or customer.accounts[0].phone)
        else:  # a caller the agent could not identify
            customer = None
            caller = identifiers.compact(identifiers.mobile(8_000_000 + recording_id, salt))
        recordings.append((
            recording_id, None if customer is None else customer.id, caller,
            agents[int(rng.random() * len(agents))], clock.stamp(recorded),
            60 + int(rng.random() * 1_140), recording_path(recording_id, clock.day(recorded)),
        ))  # fmt: skip
    for _ in range(len(customers) // 2):
        customer = customers[int(rng.random() * len(customers))]
        account = customer.accounts[int(rng.random() * len(customer.accounts))]
        subject = pick(rng, names.TICKET_SUBJECTS)
        opened = customer.created + int(rng.random() * (clock.now - customer.created))
        closed = opened + int((0.1 + rng.random() * 20) * DAY)
        notes = f"{customer.first} {customer.last} contacted us: {subject.lower()}. "
        notes += "Resolved on the call." if rng.random() < 0.5 else "Engineer visit booked."
        tickets.append((
            ticket_ids.take(), customer.id, account.number if rng.random() < 0.8 else None,
            pick(rng, ("phone", "email", "chat")), subject, notes, customer.email,
            clock.stamp(opened), None if closed >= clock.now else clock.stamp(closed),
        ))  # fmt: skip


def marketing(chunk: Chunk) -> None:
    """List members (customers and prospects) and the campaigns sent to them."""
    rng, clock = chunk.rng("marketing"), chunk.clock
    members, sends = chunk.add("list_member"), chunk.add("campaign_send")
    member_ids, send_ids = Ids(chunk.index, 3 * CHUNK), Ids(chunk.index, 30 * CHUNK)
    salt = chunk.plan.seed % 1_000
    people: list[tuple[Customer | None, int]] = [
        (c, c.created) for c in chunk.customers if rng.random() < 0.6
    ]
    people += [(None, int(rng.random() * clock.now)) for _ in range(len(chunk.customers) * 2 // 5)]
    for customer, since in people:
        member_id = member_ids.take()
        if customer is not None:
            mobile, mail, first = customer.mobile, customer.email, customer.first
            stream, source = customer.kind, "customer-signup"
        else:
            first, last = pick(rng, names.FIRST_NAMES), pick(rng, names.SURNAMES)
            mobile = identifiers.mobile(7_000_000 + member_id, salt) if rng.random() < 0.5 else None
            mail = email(
                first, last, 1_000_000 + identifiers.scatter(member_id, 9_000_000), "example.net"
            )
            stream = "business" if rng.random() < 0.1 else "residential"
            source = pick(rng, _SOURCES)
        consents = [rng.random() < p for p in (0.5, 0.4 if mobile else 0.0, 0.2, 0.5)]
        joined = since + int(rng.random() * DAY)
        active = joined + int(rng.random() * (clock.now - joined))
        members.append((
            member_id, None if customer is None else customer.id, mail,
            None if mobile is None else identifiers.e164(mobile), first, stream, *consents, source,
            clock.stamp(joined), clock.stamp(active),
        ))  # fmt: skip
        channels = [c for c, yes in zip(_CHANNELS, consents, strict=True) if yes]
        for _ in range(int(rng.random() * 8) if channels else 0):
            channel = channels[int(rng.random() * len(channels))]
            sent = joined + int(rng.random() * (clock.now - joined))
            opened = sent + int(rng.random() * 2 * DAY) if rng.random() < 0.3 else None
            clicked = opened + 60 if opened is not None and rng.random() < 0.2 else None
            sends.append((
                send_ids.take(), member_id, pick(rng, names.CAMPAIGNS), channel, clock.stamp(sent),
                None if opened is None or opened >= clock.now else clock.stamp(opened),
                None if clicked is None or clicked >= clock.now else clock.stamp(clicked),
            ))  # fmt: skip


def web(chunk: Chunk) -> None:
    """Cookie banner choices over the last three years, signed in or not."""
    rng, clock = chunk.rng("web"), chunk.clock
    consents, ids = chunk.add("cookie_consent"), Ids(chunk.index, 3 * CHUNK)
    for k in range(len(chunk.customers) * 3 // 2):
        customer = chunk.customers[k] if k < len(chunk.customers) and rng.random() < 0.7 else None
        at = clock.now - int(rng.random() * 3 * 365 * DAY)
        gpc = rng.random() < 0.08
        consents.append((
            ids.take(), identifiers.uuid_text(rng), None if customer is None else customer.id,
            identifiers.customer_ip(rng), pick(rng, names.USER_AGENTS), clock.stamp(at),
            rng.random() < 0.6, not gpc and rng.random() < 0.35, gpc, clock.day(at)[:4] + ".1",
        ))  # fmt: skip


def make(chunk: Chunk) -> None:
    """Fill the contact-centre, marketing and web tables."""
    contact_centre(chunk)
    marketing(chunk)
    web(chunk)
