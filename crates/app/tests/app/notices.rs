use calloff_app::notices;
use calloff_domain::money::Money;
use calloff_domain::organisation::OrganisationKind;
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    calloff_domain::calendar::parse_date(s).unwrap()
}

#[test]
fn the_thresholds_file_reads_and_covers_every_kind_of_buyer() {
    notices::check_thresholds_file().unwrap();
    let rules = notices::thresholds();
    let buyers = OrganisationKind::ALL
        .into_iter()
        .filter(|k| *k != OrganisationKind::Supplier);
    for kind in buyers {
        for on in ["2024-01-01", "2025-12-31", "2026-01-01", "2027-06-30"] {
            let rule = rules.in_force(kind, day(on));
            assert!(rule.is_some_and(|r| !r.source.is_empty()), "{kind:?} on {on}");
        }
    }
    // The 2026 revision lowered both: judged on the award date.
    let value = |kind, on| rules.in_force(kind, day(on)).unwrap().value;
    assert_eq!(
        value(OrganisationKind::LocalAuthority, "2025-12-31"),
        Money::from_pounds(214_904)
    );
    assert_eq!(
        value(OrganisationKind::LocalAuthority, "2026-01-01"),
        Money::from_pounds(207_720)
    );
    assert_eq!(
        value(OrganisationKind::NhsTrust, "2025-12-31"),
        Money::from_pounds(139_688)
    );
    assert_eq!(
        value(OrganisationKind::NhsTrust, "2026-01-01"),
        Money::from_pounds(135_018)
    );
    assert!(rules.in_force(OrganisationKind::Supplier, day("2026-01-01")).is_none());
}
