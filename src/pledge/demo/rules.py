"""Northwold Telecom's recipients, retention schedule, marketing settings, security
measures and notice sections, as plain data for ``pledge.yaml``."""

from __future__ import annotations

from typing import Any

# fmt: off
_CONTACT = ["user.name", "user.contact"]
RECIPIENTS: dict[str, Any] = {
    "credit-agency": {
        "name": "Ledgerline Credit Reference Ltd", "service": "Credit and identity checks",
        "role": "controller",
        "categories": ["user.name", "user.contact.address", "user.demographic.date_of_birth",
                       "telecom.credit_reference"],
        "notice_url": "https://www.ledgerline.example/crain",
    },
    "recoveries": {
        "name": "Castlegate Recoveries Ltd", "service": "Collecting unpaid bills",
        "categories": [*_CONTACT, "user.financial"],
    },
    "payvault": {
        "name": "Payvault Payments Ltd",
        "service": "Card payments; holds the card numbers, we keep only a token",
        "categories": ["user.name", "user.financial.credit_card"],
        "country": "IE", "safeguard": "adequacy",
    },
    "bacs-bureau": {
        "name": "Humber Bacs Bureau Ltd", "service": "Submitting Direct Debits to Bacs",
        "categories": ["user.name", "user.financial.bank_account"],
    },
    "cloudhost": {
        "name": "Stratocloud Inc.", "service": "Hosting for the CRM and contact centre",
        "categories": [*_CONTACT, "telecom.call_recording", "user.content.private"],
        "country": "US", "safeguard": "uk-idta",
        "contract_url": "https://contracts.northwold.example/stratocloud-idta.pdf",
    },
    "mailer": {
        "name": "Brightsend Inc.", "service": "Sending marketing emails and texts",
        "categories": ["user.name.first", "user.contact.email", "user.contact.phone_number",
                       "user.behavior"],
        "country": "US", "safeguard": "uk-addendum-to-eu-sccs",
    },
    "print-house": {
        "name": "Quayside Print & Post Ltd", "service": "Printing and posting bills and letters",
        "categories": ["user.name", "user.contact.address", "user.financial"],
    },
    "directory-publishers": {
        "name": "Directory publishers and directory enquiry services",
        "service": "Publishing the directory entries you asked for", "role": "controller",
        "categories": ["telecom.directory_listing"],
    },
    "authorities": {
        "name": "Law enforcement and security agencies",
        "service": "Lawful requests for communications data (Investigatory Powers Act 2016)",
        "role": "controller",
        "categories": ["telecom.call_detail_record", "telecom.traffic_data",
                       "telecom.location_data", "user.device.ip_address", *_CONTACT],
    },
    "hiring-platform": {
        "name": "Hireline Inc.", "service": "Applicant tracking",
        "categories": [*_CONTACT, "user.job_title"], "country": "US", "safeguard": "uk-idta",
    },
    "payroll": {
        "name": "Ridings Payroll Services Ltd", "service": "Payroll and pensions",
        "categories": [*_CONTACT, "user.government_id.national_identification_number"],
    },
    "hmrc": {
        "name": "HM Revenue & Customs", "service": "Tax and National Insurance reporting",
        "role": "controller",
        "categories": ["user.name", "user.government_id.national_identification_number"],
    },
}

_IPA = "Investigatory Powers Act 2016, s.87 (data retention notice)"
_TAX = "Companies Act 2006 s.388; Value Added Tax Act 1994 Sch. 11"
RETENTION: dict[str, Any] = {
    "call-records": {
        "description": "Call records are kept for 12 months because a retention notice "
        "requires it, then deleted", "dataset": "network.call_record", "keep": "12 months",
        "from": "started_at", "then": "delete", "basis": "legal-obligation",
        "legal_reference": _IPA, "forbids_earlier_erasure": True,
    },
    "internet-sessions": {
        "dataset": "network.internet_session", "keep": "12 months", "from": "started_at",
        "then": "delete", "basis": "legal-obligation", "legal_reference": _IPA,
        "forbids_earlier_erasure": True,
    },
    "invoices": {
        "description": "Bills are kept six years for HMRC and for disputes",
        "dataset": "billing.invoice", "keep": "6 years", "from": "issued_at", "then": "delete",
        "basis": "legal-obligation", "legal_reference": _TAX, "forbids_earlier_erasure": True,
    },
    "payments": {
        "dataset": "billing.payment", "keep": "6 years", "from": "paid_at", "then": "delete",
        "basis": "legal-obligation", "legal_reference": _TAX, "forbids_earlier_erasure": True,
    },
    "cards": {
        "description": "A removed card is archived for chargeback disputes, then deleted",
        "dataset": "billing.payment_card", "keep": "120 days", "from": "removed_at",
        "counted": "event", "then": "archive",
        "archive": {"to": "billing.payment_card_archive", "keep": "2 years", "then": "delete"},
    },
    "mandates": {
        "description": "Cancelled Direct Debit mandates are kept for Direct Debit "
        "Guarantee claims", "dataset": "billing.direct_debit_mandate", "keep": "13 months",
        "from": "cancelled_at", "counted": "event", "then": "delete",
    },
    "former-customers": {
        "description": "Six years after a customer's last account closes, once no bill can "
        "be disputed, their record is anonymised", "dataset": "crm.customer", "keep": "6 years",
        "from": "left_at", "counted": "event", "then": "anonymise",
        "anonymise": ["title", "first_name", "last_name", "email", "mobile", "landline",
                      "date_of_birth"],
    },
    "old-addresses": {
        "dataset": "crm.address", "keep": "2 years", "from": "replaced_at", "counted": "event",
        "then": "delete",
    },
    "directory-entries": {
        "description": "Entries are withdrawn when a line closes and deleted three months later",
        "dataset": "crm.directory_listing", "keep": "3 months", "from": "ceased_at",
        "counted": "event", "then": "delete",
    },
    "closed-accounts": {
        "description": "Six years after an account closes its line number is removed",
        "dataset": "crm.account", "keep": "6 years", "from": "closed_at", "counted": "event",
        "then": "anonymise", "anonymise": ["phone_number"],
    },
    "credit-checks": {
        "dataset": "crm.credit_check", "keep": "2 years", "from": "checked_at", "then": "delete",
    },
    "call-recordings": {
        "dataset": "contact_centre.call_recording", "keep": "30 days", "from": "recorded_at",
        "then": "delete",
    },
    "tickets": {
        "dataset": "contact_centre.ticket", "keep": "2 years", "from": "closed_at",
        "counted": "event", "then": "anonymise",
        "anonymise": ["subject", "notes", "contact_email"],
    },
    "marketing-inactive": {
        "description": "People who have not opened, clicked or bought anything for two years "
        "come off the lists; opt-outs stay on the suppression list",
        "dataset": "marketing.list_member", "keep": "2 years", "from": "last_activity_at",
        "counted": "inactivity", "then": "delete",
    },
    "campaign-sends": {
        "dataset": "marketing.campaign_send", "keep": "2 years", "from": "sent_at",
        "then": "delete",
    },
    "cookie-consents": {
        "description": "Cookie choices are kept two years to show what was agreed",
        "dataset": "web.cookie_consent", "keep": "2 years", "from": "consented_at",
        "then": "delete", "basis": "legal-obligation",
        "legal_reference": "UK GDPR Art. 7(1); PECR reg. 6",
    },
    "applicants": {
        "description": "Applications are archived after 600 days without activity and "
        "deleted 90 days later", "dataset": "hr.applicant", "keep": "600 days",
        "from": "last_activity_at", "counted": "inactivity", "then": "archive",
        "archive": {"to": "hr.applicant_archive", "keep": "90 days", "then": "delete"},
    },
    "cctv-31-days": {
        "description": "CCTV clips, unless they are needed to investigate an incident",
        "dataset": "facilities.cctv_clip", "keep": "31 days",
        "from": "recorded_at", "then": "delete",
    },
    "employees": {
        "dataset": "hr.employee", "keep": "6 years", "from": "left_at", "counted": "event",
        "then": "delete", "basis": "legal-obligation",
        "legal_reference": "Taxes Management Act 1970; Limitation Act 1980",
    },
}

MARKETING: dict[str, Any] = {
    "channels": ["email", "sms", "phone", "post"],
    "streams": ["residential", "business"],
    "honour_opt_out_within": "28 days",
    "soft_opt_in": True,
    "phone": {"screen_tps": True, "screen_ctps": True},
    "sms": {"keywords": ["STOP", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "NORTHWOLD STOP"]},
    "opt_out_routes": [
        {"how": "Reply NORTHWOLD STOP to any text", "channels": ["sms"]},
        {"how": "The unsubscribe link in every email (one click)", "channels": ["email"]},
        {"how": "Call 0800 028 4400 or change your choices in My Northwold",
         "channels": ["email", "sms", "phone", "post"]},
    ],
}

SECURITY_MEASURES = [
    "Card numbers are never stored: the payment processor keeps them, we keep a token",
    "Databases and backups are encrypted at rest; connections use TLS",
    "Staff see customer records only through role-based access, and access is logged",
    "Call recordings pause while card details are taken",
    "Annual penetration tests and Cyber Essentials Plus certification",
]

NOTICE: dict[str, Any] = {
    "cookies": {
        "title": "Cookies",
        "text": "Our website uses cookies that are strictly necessary to make it work. We use "
        "analytics and advertising cookies only if you agree in the cookie banner, and we "
        "treat a Global Privacy Control signal from your browser as a refusal of advertising "
        "cookies. You can change your choice at any time from the link at the foot of every "
        "page. We keep a record of your choice for two years.",
    },
    "cctv": {
        "title": "CCTV",
        "text": "We use CCTV at our offices, shops and telephone exchanges to keep people and "
        "equipment safe. Recordings are kept for 31 days unless they are needed to "
        "investigate an incident. Signs show where cameras are in use.",
    },
}
# fmt: on
