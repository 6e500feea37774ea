"""The systems that serve customers: CRM, billing and the network."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pledge.demo.columns import (
    BANK,
    CARD,
    CDR,
    CREDIT,
    EMAIL,
    FIRST,
    IP,
    LAST,
    LISTING,
    MONEY,
    NAME,
    PHONE,
    POSTCODE,
    STREET,
    TOWN,
    TRAFFIC,
    Big,
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
crm = sa.MetaData()
table(
    crm, "customer", "Residential and business customers",
    col("id", Id, "Customer number", key=True, identity="customer_id"),
    col("kind", text(12), "residential or business", required=True),
    col("title", text(8), cats=NAME, erase="nullify"),
    col("first_name", text(40), cats=FIRST, erase="mask"),
    col("last_name", text(40), cats=LAST, erase="mask"),
    col("company_name", text(80), "Business customers only",
        cats=("user.contact.organization",), erase="keep"),
    col("company_number", text(8), "Companies House number"),
    col("email", text(120), identity="email", cats=EMAIL, erase="hash"),
    col("mobile", text(16), identity="phone", cats=PHONE, erase="nullify"),
    col("landline", text(16), identity="phone", cats=PHONE, erase="nullify"),
    col("date_of_birth", Day, cats=("user.demographic.date_of_birth",), erase="nullify"),
    col("created_at", Stamp, required=True),
    col("restricted", Flag, "Processing restricted at the customer's request", required=True),
    col("left_at", Stamp, "When the customer's last account closed", index=True),
    erase="update", restriction="restricted",
)
table(
    crm, "address", "Billing and installation addresses",
    col("id", Id, key=True),
    col("customer_id", Id, ref="customer.id", reach="belongs-to", required=True),
    col("kind", text(12), "billing or installation", required=True),
    col("line1", text(80), cats=STREET),
    col("line2", text(80), cats=STREET),
    col("town", text(40), cats=TOWN),
    col("postcode", text(8), cats=POSTCODE, index=True),
    col("replaced_at", Stamp, "When the customer moved away from this address", index=True),
)
table(
    crm, "account", "Service accounts; the number is printed on every bill",
    col("number", text(10), "Account number", key=True, identity="account_number"),
    col("customer_id", Id, ref="customer.id", reach="belongs-to", required=True),
    col("product", text(24), "home-phone-broadband, mobile or business-lines", required=True),
    col("status", text(8), "open or closed", required=True),
    col("phone_number", text(16), "The line's number", identity="phone", cats=PHONE,
        erase="nullify"),
    col("opened_at", Stamp, required=True),
    col("closed_at", Stamp, index=True),
    erase="update",
)
table(
    crm, "credit_check", "Searches made with the credit reference agency at sign-up",
    col("id", Id, key=True),
    col("customer_id", Id, ref="customer.id", reach="belongs-to", required=True),
    col("agency_reference", text(16), "The agency's search reference", cats=CREDIT),
    col("checked_at", Stamp, required=True),
    col("score", Number, cats=CREDIT),
    col("decision", text(8), "accept, refer or decline", cats=CREDIT),
)
table(
    crm, "directory_listing", "Entries for directory publishers, with ex-directory choices",
    col("account_number", text(10), key=True, ref="account.number", reach="belongs-to"),
    col("listed_name", text(80), cats=(*NAME, *LISTING)),
    col("phone_number", text(16), identity="phone", cats=(*PHONE, *LISTING)),
    col("locality", text(40), cats=(*TOWN, *LISTING)),
    col("ex_directory", Flag, "Not to be published or given out", cats=LISTING, required=True),
    col("updated_at", Stamp, required=True),
    col("ceased_at", Stamp, "When the line closed and publishers were told", index=True),
)

billing = sa.MetaData()
table(
    billing, "invoice", "Quarterly bills",
    col("number", text(12), "Invoice number", key=True),
    col("account_number", text(10), ref="crm.account.number", reach="belongs-to",
        required=True),
    col("issued_at", Stamp, required=True, index=True),
    col("period_start", Day),
    col("period_end", Day),
    col("billing_name", text(80), cats=NAME, erase="keep"),
    col("billing_address", text(160), cats=STREET, erase="keep"),
    col("billing_postcode", text(8), cats=POSTCODE, erase="keep"),
    # Where the bill was emailed: the account holder chooses, and it can be a relative's or
    # an accountant's address, so it names whoever received the bill, not whose bill it is
    # (account_number says that). As an identity, a relative's request would reach the
    # holder's bills and stop as ambiguous; as a mention it finds nothing, and it is cleared
    # when the person it names is erased: a tax record needs the name and address on the
    # bill, not the address it was emailed to, so nullify even while the bill is kept.
    col("sent_to_email", text(120), "The address the bill was emailed to", mention="email",
        cats=EMAIL, erase="nullify"),
    col("amount_pence", Number, "Total including VAT", cats=MONEY, erase="keep"),
    erase="update",
)
table(
    billing, "payment", "Payments received against invoices",
    col("id", Id, key=True),
    # Both keys lead to the same account holder (an invoice belongs to its account); the
    # payment is the account's money, so the account says whose it is, found in one step
    # and not only through the invoice it settled, which is context here.
    col("invoice_number", text(12), ref="invoice.number", reach="context", required=True),
    col("account_number", text(10), ref="crm.account.number", reach="belongs-to",
        required=True),
    col("paid_at", Stamp, required=True),
    col("amount_pence", Number, cats=MONEY),
    col("method", text(12), "card or direct-debit", cats=MONEY),
)


def _card_columns() -> list[sa.Column[Any]]:
    return [
        col("id", Id, key=True),
        col("account_number", text(10), ref="crm.account.number", reach="belongs-to",
            required=True),
        col("token", text(32), "Processor's token; card numbers are never stored", cats=CARD),
        col("last_four", text(4), "Last four digits, to recognise the card", cats=CARD),
        col("brand", text(12)),
        col("expiry", text(5), "MM/YY", cats=CARD),
        col("cardholder_name", text(80), cats=NAME),
        col("added_at", Stamp, required=True),
        col("removed_at", Stamp, index=True),
    ]


table(billing, "payment_card", "Saved payment cards, as processor tokens", *_card_columns())
table(
    billing, "payment_card_archive", "Removed cards, kept for chargeback disputes",
    *_card_columns(),
    col("archived_at", Stamp, required=True, index=True),
)
table(
    billing, "direct_debit_mandate", "Direct Debit Instructions lodged with Bacs",
    col("reference", text(18), "Mandate reference", key=True),
    col("account_number", text(10), ref="crm.account.number", reach="belongs-to",
        required=True),
    col("account_holder", text(80), cats=NAME),
    col("sort_code", text(8), cats=BANK),
    col("bank_account_number", text(8), cats=BANK),
    col("created_at", Stamp, required=True),
    col("cancelled_at", Stamp, index=True),
)

network = sa.MetaData()
table(
    network, "call_record", "Call detail records from the voice switches",
    col("id", Id, key=True),
    col("account_number", text(10), ref="crm.account.number", reach="belongs-to",
        required=True),
    col("calling_number", text(16), identity="phone", cats=(*PHONE, *CDR)),
    # The number called is the other party's, never a way to find this caller's rows. When
    # that party is erased their number would be cleared from everyone's call records, but
    # the records are held under a data retention notice (rules.py, call-records: legal
    # obligation, forbids earlier erasure) that requires them whole, the number called
    # included: it is the communications data the notice is about (UK GDPR Art. 17(3)(b)).
    # So keep: the row, number and all, is deleted when its 12 months are up.
    col("called_number", text(16),
        "The other party's number (kept if they are erased: the retention notice "
        "requires the whole record)",
        mention="phone", cats=CDR, erase="keep"),
    col("started_at", Stamp, cats=CDR, required=True, index=True),
    col("duration_seconds", Number, cats=CDR),
    col("cell_id", text(24), "Serving cell (MCC-MNC-LAC-CI)", cats=("telecom.location_data",)),
    col("charge_pence", Number, cats=CDR),
)
table(
    network, "internet_session", "Broadband sessions and the IP address each was given",
    col("id", Id, key=True),
    col("account_number", text(10), ref="crm.account.number", reach="belongs-to",
        required=True),
    col("ip_address", text(39), identity="ip_address", cats=(*IP, *TRAFFIC)),
    col("started_at", Stamp, cats=TRAFFIC, required=True, index=True),
    col("ended_at", Stamp, cats=TRAFFIC),
    col("bytes_down", Big, cats=TRAFFIC),
    col("bytes_up", Big, cats=TRAFFIC),
)

# fmt: on
