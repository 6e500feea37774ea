"""What Northwold Telecom says about its data: controller, rights, purposes, recipients,
retention, marketing and the notice's free-text sections. Plain data, written to
``pledge.yaml`` by ``declaration.py`` beside the systems taken from the schema."""

from __future__ import annotations

from typing import Any

# fmt: off
CONTROLLER: dict[str, Any] = {
    "name": "Northwold Telecom Ltd",
    "trading_names": ["Northwold", "Northwold Business"],
    "company_number": "04817263",
    "ico_registration": "Z7391846",
    "address": "Northwold House, 12 Humber Dock Street, Hull HU1 1TB",
    "contact": {"email": "privacy@northwold.example", "phone": "0800 028 4400"},
    "dpo": {
        "title": "Data Protection Officer",
        "email": "dpo@northwold.example",
        "address": "Data Protection Officer, Northwold House, 12 Humber Dock Street, Hull HU1 1TB",
    },
    "sector": "public-electronic-communications",
    "privacy_centre": "https://www.northwold.example/privacy",
    "complaints": {"email": "complaints@northwold.example", "web": "https://www.northwold.example/complain"},
}

RIGHTS: dict[str, Any] = {
    "deadline": "one-calendar-month",
    "holidays": "england-and-wales",
    "verification": {
        "access": "signed-in",
        "portability": "signed-in",
        "erasure": "email-code+account-number",
        "rectification": "signed-in",
        "restriction": "email-code",
        "objection": "none",
    },
    "how_to_ask": {"web": "https://www.northwold.example/privacy/requests",
                   "phone": "0800 028 4400"},
}

DATA_SUBJECTS: dict[str, Any] = {
    "customers": {
        "name": "Customers (residential and business)",
        "categories": ["user.name", "user.contact", "user.demographic.date_of_birth",
                       "user.financial", "telecom.call_detail_record", "telecom.traffic_data",
                       "telecom.location_data", "telecom.credit_reference"],
        "sources": ["You, when you sign up, pay or contact us",
                    "Our network, when you make calls or go online",
                    "Ledgerline Credit Reference Ltd, when we check your credit"],
    },
    "called-parties": {
        "name": "People our customers call",
        "description": "Their number appears in our customers' call records",
        "categories": ["telecom.call_detail_record"],
        "sources": ["Our network, when a customer calls you"],
    },
    "callers": {
        "name": "People who call our contact centre",
        "categories": ["telecom.call_recording", "user.contact.phone_number"],
        "sources": ["You, when you call us"],
    },
    "prospects": {
        "name": "People interested in our offers",
        "categories": ["user.name.first", "user.contact", "user.privacy_preferences"],
        "sources": ["You, on our website, in our shops, at events or in competitions",
                    "A friend who referred you"],
    },
    "website-visitors": {
        "name": "Visitors to our website",
        "categories": ["user.device.cookie_id", "user.device.ip_address"],
        "sources": ["Your browser"],
    },
    "applicants": {
        "name": "Job applicants",
        "categories": ["user.name", "user.contact", "user.job_title"],
        "sources": ["You, through our careers site (run by Hireline Inc.)"],
    },
    "employees": {
        "name": "Employees and former employees",
        "categories": ["user.name", "user.contact", "user.government_id",
                       "user.demographic.date_of_birth", "user.job_title", "user.workplace"],
        "sources": ["You", "HM Revenue & Customs (tax codes)"],
    },
    "premises-visitors": {
        "name": "Visitors to our offices, shops and exchanges",
        "categories": ["telecom.cctv_image"],
        "sources": ["Our CCTV cameras"],
    },
}

CUSTOMERS, PROSPECTS = "customers", "prospects"
PURPOSES: dict[str, Any] = {
    "provide-service": {
        "description": "Set up and run the phone, broadband and mobile services you buy from us",
        "lawful_basis": "contract",
        "business_function": "Customer operations",
        "categories": ["user.name", "user.contact", "user.demographic.date_of_birth"],
        "data_subjects": [CUSTOMERS],
        "datasets": ["crm.customer", "crm.address", "crm.account", "contact_centre.ticket"],
        "recipients": ["cloudhost"],
        "retention": ["former-customers", "old-addresses", "closed-accounts", "tickets"],
        "requirement": "contractual",
    },
    "billing": {
        "description": "Bill you for your services and take payment",
        "lawful_basis": "contract",
        "business_function": "Finance",
        "categories": ["user.name", "user.contact", "user.financial", "telecom.call_detail_record"],
        "data_subjects": [CUSTOMERS],
        "datasets": ["billing.invoice", "billing.payment", "billing.payment_card",
                     "billing.payment_card_archive", "billing.direct_debit_mandate"],
        "recipients": ["payvault", "bacs-bureau", "print-house", "recoveries"],
        "retention": ["invoices", "payments", "cards", "mandates"],
        "requirement": "contractual",
    },
    "network-records": {
        "description": "Keep records of calls and connections that the law requires us to "
        "retain and to disclose to authorities that are entitled to them",
        "lawful_basis": "legal-obligation",
        "business_function": "Network",
        "categories": ["telecom.call_detail_record", "telecom.traffic_data",
                       "telecom.location_data", "user.device.ip_address", "user.name",
                       "user.contact"],
        "data_subjects": [CUSTOMERS, "called-parties"],
        "datasets": ["network.call_record", "network.internet_session"],
        "recipients": ["authorities"],
        "retention": ["call-records", "internet-sessions"],
        "requirement": "statutory",
    },
    "fraud-prevention": {
        "description": "Detect and stop fraud, such as SIM swaps and unusual call patterns",
        "lawful_basis": "legitimate-interests",
        "legitimate_interest": "Protecting you and us from fraud and our network from misuse; "
        "we only look at the call and connection data needed to spot it",
        "business_function": "Risk",
        "categories": ["telecom.call_detail_record", "telecom.traffic_data", "user.contact"],
        "data_subjects": [CUSTOMERS],
        "datasets": ["network.call_record", "network.internet_session", "crm.account"],
        "retention": ["call-records"],
    },
    "credit-checks": {
        "description": "Check your identity and credit history before we give you credit "
        "(a contract with a monthly bill)",
        "lawful_basis": "legitimate-interests",
        "legitimate_interest": "Lending responsibly and avoiding bad debt",
        "business_function": "Risk",
        "categories": ["telecom.credit_reference", "user.name", "user.contact.address",
                       "user.demographic.date_of_birth"],
        "data_subjects": [CUSTOMERS],
        "datasets": ["crm.credit_check"],
        "recipients": ["credit-agency"],
        "retention": ["credit-checks"],
        "source": "Ledgerline Credit Reference Ltd (when we search your credit file)",
        "automated_decision_making": "Applications are scored automatically; a person "
        "reviews every decline, and you can ask for the decision to be looked at again",
    },
    "directory": {
        "description": "List your number in phone directories and directory enquiries, "
        "only as you choose",
        "lawful_basis": "consent",
        "business_function": "Customer operations",
        "categories": ["telecom.directory_listing"],
        "data_subjects": [CUSTOMERS],
        "datasets": ["crm.directory_listing"],
        "recipients": ["directory-publishers"],
        "retention": ["directory-entries"],
    },
    "support-and-call-recording": {
        "description": "Answer your questions and record calls with our contact centre "
        "to train our staff and check what was agreed",
        "lawful_basis": "legitimate-interests",
        "legitimate_interest": "Resolving complaints and disputes about what was said, "
        "and training our advisers",
        "business_function": "Customer operations",
        "categories": ["telecom.call_recording", "user.contact", "user.content.private"],
        "data_subjects": [CUSTOMERS, "callers", "employees"],
        "datasets": ["contact_centre.call_recording", "contact_centre.ticket"],
        "recipients": ["cloudhost"],
        "retention": ["call-recordings", "tickets"],
    },
    "marketing": {
        "description": "Tell you about offers by email, text, phone and post when you "
        "agreed to it",
        "lawful_basis": "consent",
        "business_function": "Marketing",
        "categories": ["user.contact", "user.name.first", "user.privacy_preferences",
                       "user.behavior"],
        "data_subjects": [CUSTOMERS, PROSPECTS],
        "datasets": ["marketing.list_member", "marketing.campaign_send"],
        "recipients": ["mailer", "print-house"],
        "retention": ["marketing-inactive", "campaign-sends"],
        "requirement": "voluntary",
    },
    "cookies": {
        "description": "Use cookies on our website when you agree to them, and keep a "
        "record of your choice",
        "lawful_basis": "consent",
        "business_function": "Digital",
        "categories": ["user.device.cookie_id", "user.device.ip_address",
                       "user.privacy_preferences"],
        "data_subjects": ["website-visitors"],
        "datasets": ["web.cookie_consent"],
        "retention": ["cookie-consents"],
    },
    "recruitment": {
        "description": "Consider your application for a job with us",
        "lawful_basis": "contract",
        "business_function": "People",
        "categories": ["user.name", "user.contact", "user.job_title"],
        "data_subjects": ["applicants"],
        "datasets": ["hr.applicant", "hr.applicant_archive"],
        "recipients": ["hiring-platform"],
        "retention": ["applicants"],
    },
    "employment": {
        "description": "Employ and pay our staff",
        "lawful_basis": "contract",
        "business_function": "People",
        "categories": ["user.name", "user.contact", "user.government_id",
                       "user.demographic.date_of_birth", "user.job_title", "user.workplace"],
        "data_subjects": ["employees"],
        "datasets": ["hr.employee"],
        "recipients": ["payroll", "hmrc"],
        "retention": ["employees"],
        "requirement": "contractual",
    },
    "cctv": {
        "description": "Keep our offices, shops and exchanges safe with CCTV",
        "lawful_basis": "legitimate-interests",
        "legitimate_interest": "Security of people, premises and network equipment",
        "business_function": "Facilities",
        "categories": ["telecom.cctv_image"],
        "data_subjects": ["premises-visitors", "employees"],
        "datasets": ["facilities.cctv_clip"],
        "retention": ["cctv-31-days"],
    },
}
# fmt: on
