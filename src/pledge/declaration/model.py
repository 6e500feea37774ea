"""The declaration as typed data: what a company holds, where, why, for whom and how long.

Models are plain data (pydantic, frozen, unknown keys refused); they do no I/O. Checks that
need the whole declaration (references between sections) live in ``checks.py``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)
from pydantic_core import PydanticCustomError

from pledge import taxonomy
from pledge.declaration.duration import Duration


def _category(value: str) -> str:
    if not taxonomy.is_known(value):
        hint = taxonomy.suggest(value)
        raise PydanticCustomError(
            "unknown_category",
            "'{value}' is not a known data category{hint}",
            {"value": value, "hint": f"; did you mean '{hint}'?" if hint else ""},
        )
    return value


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "duration",
            '{value!r} is not a duration; write it like "30 days" or "6 years"',
            {"value": value},
        )
    try:
        return Duration.parse(value)
    except ValueError as exc:
        raise PydanticCustomError("duration", str(exc)) from None


_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")

CategoryKey = Annotated[str, AfterValidator(_category)]
Period = Annotated[Duration, BeforeValidator(_duration), PlainSerializer(str, return_type=str)]

LawfulBasis = Literal[
    "consent",
    "contract",
    "legal-obligation",
    "vital-interests",
    "public-task",
    "legitimate-interests",
]
SpecialCondition = Literal[
    "explicit-consent",
    "employment-social-security",
    "vital-interests",
    "not-for-profit",
    "made-public",
    "legal-claims",
    "substantial-public-interest",
    "health-or-social-care",
    "public-health",
    "archiving-research-statistics",
]
IdentityKind = Literal[
    "email",
    "phone",
    "customer_id",
    "account_number",
    "employee_id",
    "applicant_id",
    "ip_address",
    "cookie_id",
    "device_id",
    "username",
    "postcode",
]
RequestType = Literal[
    "access",
    "portability",
    "erasure",
    "rectification",
    "restriction",
    "objection",
]
VerificationCheck = Literal[
    "none",
    "signed-in",
    "email-code",
    "sms-code",
    "account-number",
    "date-of-birth",
    "postcode",
    "id-document",
    "security-questions",
]
Channel = Literal["email", "sms", "phone", "post", "social", "online-advertising"]
FieldErasure = Literal["nullify", "mask", "hash", "keep"]
#: What a reference means for whose rows these are (README "Whose rows are these"):
#: ``belongs-to``: this row belongs to whoever the row it refers to belongs to (a rental and
#: its customer); ``owns``: the row referred to belongs to this row's person (a customer's own
#: address); ``context``: the row referred to is context (a store, a product, the agent).
Reach = Literal["belongs-to", "owns", "context"]
#: What a dataset's rows are: ``people`` (each row is a person: a customer, an employee),
#: ``owned`` (each row belongs to one person: an invoice, a call) or ``context`` (rows shared
#: by everyone: stores, products, cities).
About = Literal["people", "owned", "context"]
#: Items of the Art. 13/14 checklist a notice can be silent or vague about (``unstated``).
NoticeTopic = Literal[
    "controller-contact",
    "dpo",
    "purposes",
    "lawful-basis",
    "legitimate-interests",
    "categories",
    "data-subjects",
    "sources",
    "recipients",
    "data-shared",
    "transfers",
    "retention",
    "special-category",
    "rights",
    "rights-how",
    "withdraw-consent",
    "complaints",
    "complain-to-ico",
    "requirement",
    "automated-decisions",
    "marketing-opt-out",
]


def _verification(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("verification", 'a verification level is text like "email-code"')
    allowed = VerificationCheck.__args__  # type: ignore[attr-defined]
    for part in value.split("+"):
        if part not in allowed:
            raise PydanticCustomError(
                "verification",
                "'{part}' is not a verification check; combine these with '+': {allowed}",
                {"part": part, "allowed": ", ".join(allowed)},
            )
    return value


VerificationLevel = Annotated[str, BeforeValidator(_verification)]


def _country(value: Any) -> str:
    if value == "UK":
        raise PydanticCustomError(
            "country", "'UK' is not a country code; the ISO 3166 code for the United Kingdom is GB"
        )
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}", value):
        raise PydanticCustomError(
            "country",
            "{value!r} is not a country code; use the two-letter ISO 3166 code (GB, IE, US, IN)",
            {"value": value},
        )
    return value


CountryCode = Annotated[str, BeforeValidator(_country)]


class Model(BaseModel):
    """Base for declaration models: frozen, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Contact(Model):
    """How to reach a person or a team."""

    name: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    web: str | None = None


class Controller(Model):
    """Who is responsible for the data (Art. 13(1)(a)-(b))."""

    name: str
    trading_names: list[str] = []
    company_number: str | None = None
    ico_registration: str | None = None
    address: str
    contact: Contact | None = None
    dpo: Contact | None = None
    representative: Contact | None = None
    sector: Literal["public-electronic-communications", "other"] = "other"
    privacy_centre: str | None = None
    complaints: Contact | None = None


class Rights(Model):
    """How requests are answered: the clock, and the identity checks per request type."""

    deadline: Literal["one-calendar-month", "28 days"] = "one-calendar-month"
    holidays: Literal["england-and-wales", "scotland", "northern-ireland"] = "england-and-wales"
    verification: dict[RequestType, VerificationLevel] = {}
    how_to_ask: Contact | None = None
    #: Where people withdraw consent, when that differs from ``how_to_ask``.
    withdraw_consent: Contact | None = None


class DataField(Model):
    """One column: what it holds, whether it identifies someone, how it is erased."""

    description: str | None = None
    categories: list[CategoryKey] = []
    identity: IdentityKind | None = None
    primary_key: bool = False
    references: str | None = None
    #: How a request crosses ``references``; undeclared means the safe default (README).
    reach: Reach | None = None
    #: The field holds another party's identity of this kind (the number a customer called,
    #: the agent's staff id): never used to find rows; ``erase`` says what happens to it when
    #: the person it names is erased.
    mention: IdentityKind | None = None
    erase: FieldErasure | None = None
    #: The column holds the path of a file under this folder (relative to the declaration's
    #: folder, or absolute). The file is personal data with this field's categories and goes
    #: with its row: swept, erased and packaged with it.
    file_root: str | None = None

    @property
    def personal(self) -> bool:
        """Whether the field holds personal data (a category, an identity or a mention)."""
        return bool(self.categories) or self.identity is not None or self.mention is not None


class Dataset(Model):
    """A table (or file set) in a system."""

    description: str | None = None
    fields: dict[str, DataField]
    #: "delete" removes the subject's rows; "update" applies each field's erase strategy.
    erase: Literal["delete", "update"] = "delete"
    #: Column that flags restricted processing; none means Pledge keeps the restriction.
    restriction_column: str | None = None
    #: What the rows are; undeclared, Pledge infers it (README "Whose rows are these").
    about: About | None = None
    #: Context datasets only: an access answer shows the context rows the person's rows
    #: refer to (the shop, the tariff). Rows of a dataset of people are never shown.
    show_in_access: bool = False


class System(Model):
    """One store of personal data: a database, a warehouse, a file set."""

    description: str | None = None
    connection: str
    location: str | None = None
    datasets: dict[str, Dataset]


class Recipient(Model):
    """A processor or third party that receives personal data."""

    name: str
    service: str
    role: Literal["processor", "controller", "joint-controller"] = "processor"
    categories: list[CategoryKey] = []
    country: CountryCode = "GB"
    safeguard: (
        Literal[
            "adequacy",
            "uk-idta",
            "uk-addendum-to-eu-sccs",
            "binding-corporate-rules",
            "derogation",
            "eu-us-privacy-shield",
            "none-stated",
        ]
        | None
    ) = None
    notice_url: str | None = None
    contract_url: str | None = None


class Archive(Model):
    """Where archived rows go and how long they stay there."""

    to: str
    keep: Period
    then: Literal["delete", "anonymise"] = "delete"


class RetentionRule(Model):
    """What expires when, and what happens to it."""

    description: str | None = None
    dataset: str
    keep: Period
    from_: str = Field(alias="from")
    counted: Literal["age", "inactivity", "event"] = "age"
    then: Literal["delete", "anonymise", "archive"]
    anonymise: list[str] = []
    archive: Archive | None = None
    basis: LawfulBasis | None = None
    legal_reference: str | None = None
    #: The basis obliges us to keep the rows: erasure requests must not remove them earlier.
    forbids_earlier_erasure: bool = False


class Purpose(Model):
    """A processing activity and its justification (Art. 6, Art. 9)."""

    description: str
    lawful_basis: LawfulBasis
    special_category_condition: SpecialCondition | None = None
    legitimate_interest: str | None = None
    business_function: str | None = None
    categories: list[CategoryKey] = []
    data_subjects: list[str] = []
    datasets: list[str] = []
    recipients: list[str] = []
    retention: list[str] = []
    #: Criteria for how long, when the notice gives criteria rather than a period.
    retention_criteria: str | None = None
    source: str | None = None
    requirement: Literal["statutory", "contractual", "voluntary"] | None = None
    automated_decision_making: str | None = None


class PhoneMarketing(Model):
    screen_tps: bool = True
    screen_ctps: bool = True


class SmsMarketing(Model):
    keywords: list[str] = []


class OptOutRoute(Model):
    """One way people can opt out of marketing."""

    how: str
    channels: list[Channel] = []
    #: The marketing streams this route opts out of; empty means every stream.
    streams: list[str] = []


class Marketing(Model):
    """Direct marketing settings (PECR)."""

    channels: list[Channel] = []
    streams: list[str] = []
    honour_opt_out_within: Period = Duration(28, "days")
    soft_opt_in: bool = False
    phone: PhoneMarketing = PhoneMarketing()
    sms: SmsMarketing = SmsMarketing()
    opt_out_routes: list[OptOutRoute] = []
    #: An opt-out covers one stream only: people must opt out of each stream separately.
    opt_out_each_stream: bool = False


class DataSubjectGroup(Model):
    """A relationship people have with the controller (customer, applicant, website
    visitor) and what is collected about them, and from where."""

    name: str
    description: str | None = None
    categories: list[CategoryKey] = []
    sources: list[str] = []


class NoticeSection(Model):
    """A free-text section of the privacy notice (cookies, CCTV, ...)."""

    title: str
    text: str


class Declaration(Model):
    """The whole declaration file."""

    pledge: Literal[1] = 1
    controller: Controller
    rights: Rights = Rights()
    systems: dict[str, System] = {}
    purposes: dict[str, Purpose] = {}
    recipients: dict[str, Recipient] = {}
    retention: dict[str, RetentionRule] = {}
    marketing: Marketing | None = None
    security_measures: list[str] = []
    notice: dict[str, NoticeSection] = {}
    data_subjects: dict[str, DataSubjectGroup] = {}
    #: What the published notice is silent or vague about, and what it says instead.
    unstated: dict[NoticeTopic, str] = {}

    def dataset(self, dotted: str) -> tuple[str, str, Dataset] | None:
        """Find "system.dataset"; None when it is not declared."""
        system_name, _, dataset_name = dotted.partition(".")
        system = self.systems.get(system_name)
        if system is None or dataset_name not in system.datasets:
            return None
        return system_name, dataset_name, system.datasets[dataset_name]


SECTIONS: dict[str, Any] = {
    "systems": System,
    "purposes": Purpose,
    "recipients": Recipient,
    "retention": RetentionRule,
}


def is_name(text: str) -> bool:
    """Whether ``text`` is usable as a declaration name (lower case, digits, - and _)."""
    return bool(_NAME.match(text))
