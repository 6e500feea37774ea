"""A small declaration for the access tests: two systems, a transfer abroad, a retention rule."""

from __future__ import annotations

from pledge.declaration import Declaration, load_text

ACCESS_YAML = """\
pledge: 1
controller:
  name: Northwold <Telecom> Ltd
  address: 1 Quay Street, Hull HU1 1AA
  dpo: {title: Head of Risk, email: dpo@northwold.example}
rights:
  deadline: one-calendar-month
  verification: {access: email-code}
  how_to_ask: {web: "https://northwold.example/privacy", email: privacy@northwold.example}
systems:
  crm:
    connection: env:CRM_URL
    datasets:
      customer:
        description: Your customer record
        fields:
          id: {primary_key: true, identity: customer_id}
          email: {categories: [user.contact.email], identity: email}
          name: {categories: [user.name]}
  network:
    connection: env:NETWORK_URL
    datasets:
      cdr:
        description: Records of your calls
        fields:
          customer_id: {references: crm.customer.id}
          callee: {categories: [user.contact.phone_number]}
          started_at: {description: When the call started}
purposes:
  service:
    description: Provide your phone service
    lawful_basis: contract
    categories: [user.contact, user.name]
    datasets: [crm.customer, network.cdr]
    recipients: [callcentre, printer]
  offers:
    description: Send you offers
    lawful_basis: consent
    datasets: [crm.customer]
    source: Partner lists we buy
  fraud:
    description: Score fraud risk
    lawful_basis: legitimate-interests
    legitimate_interest: stopping fraud
    categories: [user.contact.phone_number]
    automated_decision_making: We block suspicious calls automatically
  cctv:
    description: Watch our shops on camera
    lawful_basis: legitimate-interests
    categories: [user.behavior]
recipients:
  callcentre: {name: Talkwell, service: Customer support, country: IN, safeguard: uk-idta}
  printer: {name: Inkly, service: Printing bills, country: GB}
retention:
  cdr-12-months:
    dataset: network.cdr
    keep: 12 months
    from: started_at
    then: delete
    basis: legal-obligation
"""


def access_declaration() -> Declaration:
    """The declaration above, parsed and checked."""
    return load_text(ACCESS_YAML).declaration
