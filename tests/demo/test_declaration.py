"""The generated pledge.yaml: valid without warnings, and the same shape as the tables."""

from __future__ import annotations

from pledge.declaration import load_text
from pledge.demo import declaration
from pledge.demo.schema import SYSTEMS
from pledge.demo.targets import ENV, Targets


def test_the_sqlite_declaration_is_valid_without_warnings() -> None:
    loaded = load_text(declaration.text(declaration.sqlite_connections()))
    assert loaded.warnings == []
    assert loaded.declaration.controller.sector == "public-electronic-communications"
    assert loaded.declaration.systems["crm"].connection == "sqlite:///crm.sqlite"


def test_server_estates_read_their_urls_from_the_environment() -> None:
    targets = Targets(postgres="postgresql://pg/x", mariadb="mysql://maria/y")
    loaded = load_text(declaration.text(targets.connections()))
    connections = {n: s.connection for n, s in loaded.declaration.systems.items()}
    assert connections["crm"] == f"env:{ENV['postgres']}"
    assert connections["hr"] == f"env:{ENV['mariadb']}"
    assert "pg/x" not in declaration.text(targets.connections()), "no URLs (or passwords) in it"


def test_every_table_and_column_is_declared_and_nothing_else() -> None:
    systems = load_text(declaration.text(declaration.sqlite_connections())).declaration.systems
    assert list(systems) == list(SYSTEMS)
    for name, metadata in SYSTEMS.items():
        declared = systems[name].datasets
        assert set(declared) == set(metadata.tables)
        for table_name, table in metadata.tables.items():
            assert list(declared[table_name].fields) == [c.name for c in table.columns]


def test_rows_that_must_stay_are_erased_field_by_field_and_keys_are_never_touched() -> None:
    loaded = load_text(declaration.text(declaration.sqlite_connections())).declaration
    updated = {
        f"{s}.{d}"
        for s, system in loaded.systems.items()
        for d, dataset in system.datasets.items()
        if dataset.erase == "update"
    }
    assert {"crm.customer", "crm.account", "billing.invoice", "web.cookie_consent"} <= updated
    for system in loaded.systems.values():
        for dataset in system.datasets.values():
            for field in dataset.fields.values():
                if field.primary_key or field.references:
                    assert field.erase in (None, "keep")


def test_the_rules_a_dpo_expects_are_there() -> None:
    loaded = load_text(declaration.text(declaration.sqlite_connections())).declaration
    calls = loaded.retention["call-records"]
    assert (calls.dataset, str(calls.keep), calls.from_) == (
        "network.call_record",
        "12 months",
        "started_at",
    )
    assert calls.forbids_earlier_erasure and calls.basis == "legal-obligation"
    assert (
        calls.legal_reference is not None
        and "Investigatory Powers Act 2016" in calls.legal_reference
    )
    applicants = loaded.retention["applicants"]
    assert applicants.archive is not None and applicants.archive.to == "hr.applicant_archive"
    assert loaded.retention["employees"].counted == "event"
    assert loaded.recipients["cloudhost"].safeguard == "uk-idta"
    assert loaded.marketing is not None and "NORTHWOLD STOP" in loaded.marketing.sms.keywords
    assert {"cookies", "cctv"} <= set(loaded.notice)


def test_cctv_footage_is_declared_and_deleted_after_31_days() -> None:
    loaded = load_text(declaration.text(declaration.sqlite_connections())).declaration
    clip = loaded.systems["facilities"].datasets["cctv_clip"]
    assert clip.fields["file_path"].file_root == "cctv"
    assert clip.fields["file_path"].categories == ["telecom.cctv_image"]
    assert clip.fields["employee_id"].references == "hr.employee.id"
    rule = loaded.retention["cctv-31-days"]
    assert (rule.dataset, str(rule.keep), rule.from_, rule.then) == (
        "facilities.cctv_clip",
        "31 days",
        "recorded_at",
        "delete",
    )
    assert rule.description is not None and "investigate an incident" in rule.description
    cctv = loaded.purposes["cctv"]
    assert (cctv.datasets, cctv.retention) == (["facilities.cctv_clip"], ["cctv-31-days"])


def test_every_reference_says_whose_rows_these_are_and_other_parties_are_mentions() -> None:
    # A DPO writes reach down rather than leave it to inference: every reference says it.
    systems = load_text(declaration.text(declaration.sqlite_connections())).declaration.systems
    reach = {
        f"{s}.{d}.{f}": spec.reach
        for s, system in systems.items()
        for d, dataset in system.datasets.items()
        for f, spec in dataset.fields.items()
        if spec.references is not None
    }
    assert None not in reach.values(), [k for k, v in reach.items() if v is None]
    # The three datasets that could have belonged to two people say which one owns them.
    assert reach["contact_centre.call_recording.customer_id"] == "belongs-to"
    assert reach["contact_centre.call_recording.agent_id"] == "context"
    assert reach["contact_centre.ticket.customer_id"] == "belongs-to"
    assert reach["contact_centre.ticket.account_number"] == "context"
    assert reach["billing.payment.account_number"] == "belongs-to"
    assert reach["billing.payment.invoice_number"] == "context"
    assert reach["facilities.cctv_clip.employee_id"] == "belongs-to"
    mentions = {
        f"{s}.{d}.{f}": (spec.mention, spec.erase)
        for s, system in systems.items()
        for d, dataset in system.datasets.items()
        for f, spec in dataset.fields.items()
        if spec.mention is not None
    }
    # The number called stays while the retention notice keeps the record whole; the address
    # a bill was emailed to is cleared when the person it names is erased.
    assert mentions == {
        "network.call_record.called_number": ("phone", "keep"),
        "billing.invoice.sent_to_email": ("email", "nullify"),
    }
    invoice = systems["billing"].datasets["invoice"]
    assert invoice.fields["sent_to_email"].identity is None
