"""The systems around the customer: contact centre, marketing, HR, the website and the
CCTV at the company's premises."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pledge.demo.columns import (
    EMAIL,
    FIRST,
    IP,
    LAST,
    PHONE,
    POSTCODE,
    Day,
    Flag,
    Id,
    Number,
    Stamp,
    col,
    table,
    text,
)

# fmt: off
contact_centre = sa.MetaData()
table(
    contact_centre, "call_recording", "Recorded calls with the contact centre (WAV files)",
    col("id", Id, key=True),
    # A recording is the customer's call: it belongs to them. The agent who took it is
    # context (their own staff record is theirs, a customer's call is not): an agent's
    # request never brings every customer's call with it, and a customer's never shows
    # the agent's record.
    col("customer_id", Id, ref="crm.customer.id", reach="belongs-to"),
    col("caller_number", text(16), identity="phone", cats=PHONE),
    col("agent_id", Id, "The employee who took the call", ref="hr.employee.id",
        reach="context"),
    col("recorded_at", Stamp, required=True, index=True),
    col("duration_seconds", Number, cats=("telecom.call_recording",)),
    col("file_path", text(80), "The audio, under recordings/", cats=("telecom.call_recording",),
        files="recordings"),
)
table(
    contact_centre, "ticket", "Support tickets",
    col("id", Id, key=True),
    # The customer raised the ticket; the account it is about is context (the same
    # customer's, and a ticket about no account is still theirs).
    col("customer_id", Id, ref="crm.customer.id", reach="belongs-to", required=True),
    col("account_number", text(10), ref="crm.account.number", reach="context"),
    col("channel", text(8), "phone, email or chat"),
    col("subject", text(80), cats=("user.content.private",)),
    col("notes", sa.Text(), cats=("user.content.private",)),
    col("contact_email", text(120), identity="email", cats=EMAIL),
    col("opened_at", Stamp, required=True),
    col("closed_at", Stamp, index=True),
)

marketing = sa.MetaData()
table(
    marketing, "list_member", "People on the marketing lists, customers and prospects",
    col("id", Id, key=True),
    col("customer_id", Id, "Empty for prospects", ref="crm.customer.id", reach="belongs-to"),
    col("email", text(120), identity="email", cats=EMAIL),
    col("mobile", text(16), identity="phone", cats=PHONE),
    col("first_name", text(40), cats=FIRST),
    col("stream", text(12), "residential or business", required=True),
    col("email_consent", Flag, cats=("user.privacy_preferences",)),
    col("sms_consent", Flag, cats=("user.privacy_preferences",)),
    col("phone_consent", Flag, cats=("user.privacy_preferences",)),
    col("post_consent", Flag, cats=("user.privacy_preferences",)),
    col("source", text(24), "Where the details came from"),
    col("joined_at", Stamp, required=True),
    col("last_activity_at", Stamp, required=True, index=True),
)
table(
    marketing, "campaign_send", "Marketing messages sent, and whether they were opened",
    col("id", Id, key=True),
    col("member_id", Id, ref="list_member.id", reach="belongs-to", required=True),
    col("campaign", text(32), required=True),
    col("channel", text(8), required=True),
    col("sent_at", Stamp, required=True, index=True),
    col("opened_at", Stamp, cats=("user.behavior",)),
    col("clicked_at", Stamp, cats=("user.behavior",)),
)

hr = sa.MetaData()


def _applicant_columns() -> list[sa.Column[Any]]:
    return [
        col("id", Id, "Applicant number", key=True, identity="applicant_id"),
        col("first_name", text(40), cats=FIRST),
        col("last_name", text(40), cats=LAST),
        col("email", text(120), identity="email", cats=EMAIL),
        col("phone", text(16), identity="phone", cats=PHONE),
        col("postcode", text(8), cats=POSTCODE),
        col("role_applied", text(40), cats=("user.job_title",)),
        col("status", text(12), "applied, interviewed, offered, rejected or withdrawn"),
        col("applied_at", Stamp, required=True),
        col("last_activity_at", Stamp, required=True, index=True),
    ]


table(hr, "applicant", "Job applicants", *_applicant_columns())
table(
    hr, "applicant_archive", "Applicants archived after 600 days without activity",
    *_applicant_columns(),
    col("archived_at", Stamp, required=True, index=True),
)
table(
    hr, "employee", "Current and former employees",
    col("id", Id, "Staff number", key=True, identity="employee_id"),
    col("first_name", text(40), cats=FIRST),
    col("last_name", text(40), cats=LAST),
    col("personal_email", text(120), identity="email", cats=EMAIL),
    col("phone", text(16), identity="phone", cats=PHONE),
    col("date_of_birth", Day, cats=("user.demographic.date_of_birth",)),
    col("national_insurance_number", text(13),
        cats=("user.government_id.national_identification_number",)),
    col("home_postcode", text(8), cats=POSTCODE),
    col("job_title", text(40), cats=("user.job_title",)),
    col("department", text(24), cats=("user.workplace",)),
    col("started_at", Stamp, required=True),
    col("left_at", Stamp, index=True),
)

web = sa.MetaData()
table(
    web, "cookie_consent", "Cookie banner choices: the evidence of consent",
    col("id", Id, key=True),
    col("cookie_id", text(36), identity="cookie_id", cats=("user.device.cookie_id",),
        erase="hash"),
    col("customer_id", Id, "Set when the visitor was signed in", ref="crm.customer.id",
        reach="belongs-to"),
    col("ip_address", text(39), identity="ip_address", cats=IP, erase="nullify"),
    col("user_agent", text(120), cats=("user.device",), erase="nullify"),
    col("consented_at", Stamp, required=True, index=True),
    col("analytics", Flag, cats=("user.privacy_preferences",), erase="keep"),
    col("advertising", Flag, cats=("user.privacy_preferences",), erase="keep"),
    col("global_privacy_control", Flag, "Browser sent Sec-GPC: 1",
        cats=("user.privacy_preferences",), erase="keep"),
    col("policy_version", text(8), required=True),
    erase="update",
)

facilities = sa.MetaData()
table(
    facilities, "cctv_clip", "Clips from the CCTV cameras at our offices, shops and exchanges "
    "(video files)",
    col("id", Id, key=True),
    col("site", text(40), "The office, shop or exchange", required=True),
    col("camera", text(24), "Where the camera points", required=True),
    col("recorded_at", Stamp, required=True, index=True),
    # A clip of a person is their personal data (their image), and staff can ask for the
    # footage they are in: the clip belongs to the member of staff it names, so their
    # access request finds it and their erasure deletes it (a clip needed for an incident
    # is kept under a legal hold). Members of the public seen in it are named by nobody,
    # so no one else's request reaches it; the 31-day rule deletes it for everyone.
    col("employee_id", Id, "A member of staff seen in the clip, when known",
        ref="hr.employee.id", reach="belongs-to"),
    col("file_path", text(80), "The video, under cctv/", cats=("telecom.cctv_image",),
        files="cctv"),
)
# fmt: on
