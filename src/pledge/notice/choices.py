"""The notice sections about what people can do: stop marketing, use their rights, withdraw
consent, complain."""

from __future__ import annotations

from pledge.declaration.model import Contact, Declaration
from pledge.notice import words
from pledge.notice.content import (
    Block,
    Bullets,
    Link,
    Paragraph,
    Section,
    Table,
    Text,
    contact_lines,
    text,
    web_link,
)


def marketing(declaration: Declaration) -> Section:
    m = declaration.marketing
    if m is None or not m.channels:
        return Section(
            "marketing", "Marketing", [Paragraph(text("We do not send you direct marketing."))]
        )
    channels = words.join([words.CHANNEL[c] for c in m.channels], "or")
    blocks: list[Block] = [
        Paragraph(text(f"We may send you marketing by {channels}, unless you tell us to stop."))
    ]
    if m.streams:
        blocks.append(
            Paragraph(text(f"We market separately to each of these: {words.join(m.streams)}."))
        )
    if m.soft_opt_in:
        blocks.append(
            Paragraph(
                text(
                    "If you bought from us, we may email or text you about similar products of "
                    "ours unless you said no when you gave us your details; every message lets "
                    "you say no again."
                )
            )
        )
    routes: list[Text] = []
    for route in m.opt_out_routes:
        scope = [words.CHANNEL[c] for c in route.channels]
        scope_text = f" (for {words.join(scope)})" if scope else ""
        streams = f" (stops {words.join(route.streams)} marketing)" if route.streams else ""
        routes.append(text(f"{route.how}{scope_text}{streams}"))
    if m.sms.keywords:
        keywords = words.join([f"'{k}'" for k in m.sms.keywords], "or")
        routes.append(text(f"Reply to any marketing text message with {keywords}."))
    if declaration.controller.privacy_centre:
        routes.append(text("Change your choices in our privacy centre: ", _centre(declaration)))
    if routes:
        blocks.append(Paragraph(text("You can stop marketing at any time, free of charge:")))
        blocks.append(Bullets(routes))
    else:
        blocks.append(Paragraph(text("This notice does not say how to stop marketing.")))
    if m.opt_out_each_stream and m.streams:
        blocks.append(
            Paragraph(
                text(
                    "Opting out stops the marketing of one stream only: if you receive more than "
                    "one, opt out of each."
                )
            )
        )
    blocks.append(
        Paragraph(
            text(
                f"Marketing stops within {m.honour_opt_out_within} of your request. We then keep "
                "your details on a do-not-contact list, so that we never market to you again."
            )
        )
    )
    if "phone" in m.channels and (m.phone.screen_tps or m.phone.screen_ctps):
        blocks.append(
            Paragraph(
                text(
                    "We do not make marketing calls to numbers registered with the Telephone "
                    "Preference Service (TPS) or the Corporate TPS unless you have told us you "
                    "want our calls."
                )
            )
        )
    return Section("marketing", "Marketing", blocks)


def rights(declaration: Declaration) -> Section:
    rows: list[list[Text]] = [
        [text(name), text(f"You can {meaning}.")] for name, meaning in words.RIGHTS.values()
    ]
    rows.append(
        [
            text("Automated decisions"),
            text(
                "You can ask for a person to review any decision made about you only by "
                "computer that has legal or similarly significant effects."
            ),
        ]
    )
    how: list[Text] = []
    if declaration.controller.privacy_centre:
        how.append(text("Use our privacy centre: ", _centre(declaration)))
    ask = declaration.rights.how_to_ask or declaration.controller.dpo
    if ask is not None:
        how.extend(contact_lines(ask))
    r = declaration.rights
    deadline = "one calendar month" if r.deadline == "one-calendar-month" else r.deadline
    blocks: list[Block] = [
        Paragraph(text("The law gives you these rights over your personal information:")),
        Table("Your rights", ["Right", "What it means"], rows),
        Paragraph(
            text(
                "Some rights depend on why we hold the information; the purposes above say which "
                "basis applies, and we will tell you if a right does not apply and why."
            )
        ),
    ]
    if how:
        blocks.append(Paragraph(text("To use any of these rights, it is free:")))
        blocks.append(Bullets(how))
    else:
        blocks.append(Paragraph(text("This notice does not say how to use your rights.")))
    blocks.append(
        Paragraph(
            text(
                f"We answer within {deadline}. If a request is complex we may take two further "
                "months; we will tell you within the first month, and why."
            )
        )
    )
    if r.verification:
        checks = [
            text(
                f"{words.RIGHTS[kind][0]}: "
                + words.join([words.VERIFICATION[p] for p in level.split("+")])
            )
            for kind, level in r.verification.items()
        ]
        blocks.append(Paragraph(text("To protect you, we check that a request is yours:")))
        blocks.append(Bullets(checks))
    return Section("rights", "Your rights", blocks)


def consent(declaration: Declaration) -> Section:
    based = [p.description for p in declaration.purposes.values() if p.lawful_basis == "consent"]
    if not based:
        body = "We do not rely on your consent for any use of your information."
        return Section("consent", "Withdrawing your consent", [Paragraph(text(body))])
    blocks: list[Block] = [
        Paragraph(
            text(
                "Where we use your information because you agreed, you can withdraw your consent "
                "at any time, as easily as you gave it. This applies to:"
            )
        ),
        Bullets([text(b) for b in based]),
    ]
    how: list[Text] = []
    if declaration.controller.privacy_centre:
        how.append(text("In our privacy centre: ", _centre(declaration)))
    withdraw = declaration.rights.withdraw_consent or declaration.rights.how_to_ask
    if withdraw is not None:
        how.extend(contact_lines(withdraw))
    m = declaration.marketing
    if m is not None and (m.opt_out_routes or m.sms.keywords):
        how.append(text("For marketing, any of the ways to stop marketing above."))
    if how:
        blocks.append(Paragraph(text("To withdraw it:")))
        blocks.append(Bullets(how))
    blocks.append(Paragraph(text("Withdrawing consent does not make unlawful what we did before.")))
    return Section("consent", "Withdrawing your consent", blocks)


def complaints(declaration: Declaration) -> Section:
    c = declaration.controller
    ours: Contact | None = c.complaints or c.dpo or c.contact
    blocks: list[Block] = []
    if ours is not None:
        unhappy = "If you are unhappy with how we use your information, tell us:"
        blocks.append(Paragraph(text(unhappy)))
        blocks.append(Bullets(contact_lines(ours)))
        blocks.append(
            Paragraph(
                text(
                    "We acknowledge a complaint within 30 days, look into it, and tell you the "
                    "outcome."
                )
            )
        )
    blocks.append(
        Paragraph(
            text(
                "You can also complain to the Information Commissioner's Office (ICO), the UK "
                "regulator for data protection: ",
                Link("ico.org.uk/make-a-complaint", words.ICO_COMPLAINT_URL),
                f", or phone {words.ICO_PHONE}.",
            )
        )
    )
    return Section("complaints", "Complaints", blocks)


def _centre(declaration: Declaration) -> Link:
    url = declaration.controller.privacy_centre or ""
    return web_link(url)
