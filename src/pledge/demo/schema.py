"""Northwold Telecom's estate: eight systems, one SQLAlchemy ``MetaData`` each.

Table names are unique across systems so that several systems can share one server
database. Phone numbers are stored the way each system's software wrote them, as in real
estates: the CRM and HR in national format with spaces ("01482 602913"), the network switches
and the marketing platform in E.164 ("+441482602913"), the contact-centre diallers in national
format without spaces ("01482602913").
"""

from __future__ import annotations

import sqlalchemy as sa

from pledge.demo.company_tables import contact_centre, facilities, hr, marketing, web
from pledge.demo.customer_tables import billing, crm, network

#: The systems in the order they are generated and declared.
SYSTEMS: dict[str, sa.MetaData] = {
    "crm": crm,
    "billing": billing,
    "network": network,
    "contact_centre": contact_centre,
    "marketing": marketing,
    "hr": hr,
    "web": web,
    "facilities": facilities,
}

DESCRIPTIONS = {
    "crm": "Customer relationship management: who our customers are and what they have",
    "billing": "Bills, payments, saved cards and Direct Debit mandates",
    "network": "Call detail records and internet sessions from the network",
    "contact_centre": "Call recordings and support tickets",
    "marketing": "Marketing lists and the campaigns sent to them",
    "hr": "Job applicants and employees",
    "web": "The website's cookie consent records",
    "facilities": "CCTV at our offices, shops and telephone exchanges",
}


def tables() -> dict[str, sa.Table]:
    """Every table of the estate by name."""
    return {t.name: t for metadata in SYSTEMS.values() for t in metadata.tables.values()}


def system_of(table_name: str) -> str:
    """The system a table belongs to."""
    for system, metadata in SYSTEMS.items():
        if table_name in metadata.tables:
            return system
    raise KeyError(table_name)
