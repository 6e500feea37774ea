"""Small declarations for planner tests, written as a DPO would write them."""

from __future__ import annotations

from pledge.declaration import Loaded, load_text

HEAD = """\
controller: {name: Northwold Telecom Ltd, address: "1 Quay Street, Hull HU1 1AA"}
systems:
"""

#: CRM → billing → network, as in a telecom: the customer id leads to accounts, the account
#: number to invoices and call records.
TELECOM = (
    HEAD
    + """\
  crm:
    connection: sqlite:///crm.sqlite
    datasets:
      customer:
        fields:
          id: {primary_key: true, identity: customer_id}
          email: {categories: [user.contact.email], identity: email}
          name: {categories: [user.name]}
      address:
        fields:
          id: {primary_key: true}
          customer_id: {references: customer.id}
          line1: {categories: [user.contact.address.street]}
  billing:
    connection: sqlite:///billing.sqlite
    datasets:
      account:
        fields:
          number: {primary_key: true, identity: account_number}
          customer_id: {references: crm.customer.id}
      invoice:
        fields:
          id: {primary_key: true}
          account_number: {references: account.number}
          total: {categories: [user.financial]}
  network:
    connection: duckdb:///network
    datasets:
      cdr:
        fields:
          account_number: {references: billing.account.number}
          calling_number: {categories: [user.contact.phone_number], identity: phone}
          started_at: {categories: [user.behavior]}
"""
)


def load(text: str) -> Loaded:
    return load_text(text, "pledge.yaml")
