use calloff_app::catalogue::{self, Match, SearchParams, SearchResults, Sort};
use calloff_test_support::{Backend, TestApp};

fn params(q: &str) -> SearchParams {
    SearchParams {
        q: q.into(),
        ..SearchParams::default()
    }
}

/// Searches that exercise words, prefixes, SKUs, CPV codes, every facet and every sort.
fn searches() -> Vec<SearchParams> {
    vec![
        params(""),
        params("sim"),
        params("SIM 5gb"),
        params("L4-SIM-5GB"),
        params("ether"),
        params("64212000"),
        params("teams phone licence"),
        SearchParams {
            sort: "price_low".into(),
            ..params("call")
        },
        SearchParams {
            sort: "price_high".into(),
            ..params("")
        },
        SearchParams {
            sort: "name".into(),
            lot: "2".into(),
            ..params("")
        },
        SearchParams {
            unit: "per_minute".into(),
            ..params("")
        },
        SearchParams {
            price_band: "3".into(),
            ..params("")
        },
        SearchParams {
            term_band: "0".into(),
            page: "2".into(),
            ..params("")
        },
        SearchParams {
            lot: "1".into(),
            ..params("5gb")
        },
        params("quantum teleporter"),
        // Word forms, synonyms, typos, partial matches and filters together (ADR 0014).
        params("phone"),
        params("phones"),
        params("router"),
        params("routers"),
        params("routr"),
        params("switch"),
        params("switches"),
        params("swich"),
        params("call"),
        params("calls"),
        params("calling"),
        params("licences"),
        params("licenses"),
        params("ethernet"),
        params("etherent"),
        params("mobile"),
        params("handset"),
        params("wireless"),
        params("wi-fi"),
        params("uc"),
        params("unified communications"),
        params("sjp"),
        params("5gx"),
        params("ethernet teleporter"),
        params("sim 5gb"),
        params("sim 5gb teleporter"),
        SearchParams {
            sort: "price_high".into(),
            ..params("sim 5gb teleporter")
        },
        SearchParams {
            lot: "4".into(),
            ..params("sim 5gb teleporter")
        },
        SearchParams {
            unit: "per_month".into(),
            price_band: "1".into(),
            term_band: "1".into(),
            ..params("mobiles")
        },
        SearchParams {
            lot: "1".into(),
            unit: "per_month".into(),
            ..params("managed routers")
        },
        // Filters given more than once: alternatives within a group, every group applied.
        SearchParams {
            lot: "1".into(),
            ..params("")
        },
        SearchParams {
            lot: "4".into(),
            ..params("")
        },
        SearchParams {
            lot: "4,1".into(),
            ..params("")
        },
        SearchParams {
            unit: "per_month".into(),
            ..params("")
        },
        SearchParams {
            lot: "1,4".into(),
            unit: "per_month".into(),
            ..params("")
        },
        SearchParams {
            unit: "per_minute,per_month".into(),
            price_band: "0,3".into(),
            term_band: "0,1,2".into(),
            ..params("call")
        },
        SearchParams {
            lot: "2,3".into(),
            sort: "price_low".into(),
            ..params("sim 5gb teleporter")
        },
    ]
}

fn summary(r: &SearchResults) -> String {
    let skus: Vec<&str> = r.items.iter().map(|i| i.sku.as_str()).collect();
    let suggestions: Vec<String> = r
        .suggestions
        .iter()
        .map(|s| format!("{} ({})", s.label, s.count))
        .collect();
    format!(
        "{:?} total {} pages {} items {skus:?} lots {:?} units {:?} prices {:?} terms {:?} suppliers {} suggestions {suggestions:?}",
        r.matched,
        r.total,
        r.pages,
        r.lots,
        r.units,
        r.price_bands,
        r.term_bands,
        r.suppliers.len()
    )
}

/// Every search through the use case, and each also straight from the database and from a
/// freshly built in-memory index, which must agree exactly.
async fn run(backend: Backend) -> Vec<(SearchParams, SearchResults)> {
    let t = TestApp::init(backend).await;
    let buyer = t.buyer().await;
    let index = catalogue::prepare_index(&t.app, &t.framework_id).await.unwrap();
    let mut out = Vec::new();
    for p in searches() {
        let request = p.parse().unwrap();
        let results = catalogue::search(&t.app, &buyer, &t.framework_id, &request)
            .await
            .unwrap();
        let database = catalogue::search_in_database(&t.app, &buyer, &t.framework_id, &request)
            .await
            .unwrap();
        let memory = catalogue::search_index(&index, &request);
        assert_eq!(
            summary(&database),
            summary(&memory),
            "database and index differ for {p:?} on {backend:?}"
        );
        assert_eq!(
            summary(&results),
            summary(&memory),
            "the use case differs for {p:?} on {backend:?}"
        );
        out.push((p, SearchResults::clone(&results)));
    }
    out
}

fn skus(r: &SearchResults) -> Vec<String> {
    let mut skus: Vec<String> = r.items.iter().map(|i| i.sku.as_str().to_string()).collect();
    skus.sort();
    skus
}

/// An item's own words, lower-case, as a person reads them.
fn text_of(i: &calloff_domain::catalogue::CatalogueItem) -> String {
    format!("{} {} {}", i.sku, i.name, i.description).to_lowercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_the_same_items_in_the_same_order_on_both_databases() {
    let sqlite = run(Backend::Sqlite).await;
    let postgres = run(Backend::Postgres).await;
    for ((p, s), (_, pg)) in sqlite.iter().zip(&postgres) {
        assert_eq!(summary(s), summary(pg), "different results for {p:?}");
    }

    let by = |q: &str| {
        sqlite
            .iter()
            .find(|(p, _)| p.q == q && p.sort.is_empty() && p.lot.is_empty())
            .map(|(_, r)| r)
            .unwrap()
    };
    // Browsing shows the whole catalogue, 20 a page, with facets that add up.
    let all = by("");
    assert_eq!((all.total, all.pages, all.items.len()), (65, 4, 20));
    assert_eq!(all.lots.iter().map(|(_, n)| n).sum::<i64>(), 65);
    assert_eq!(all.units.iter().map(|(_, n)| n).sum::<i64>(), 65);
    assert_eq!(all.suppliers.len(), 1);
    // Every word must match, as a word prefix; an exact SKU ranks first.
    let sim_5gb = by("SIM 5gb");
    assert!(
        sim_5gb.total >= 1
            && sim_5gb
                .items
                .iter()
                .all(|i| i.sku.as_str().contains("SIM") || i.name.to_lowercase().contains("sim"))
    );
    assert_eq!(by("L4-SIM-5GB").items[0].sku.as_str(), "L4-SIM-5GB");
    assert!(
        by("ether").items.iter().any(|i| i.sku.as_str() == "L1-ETH-1G"),
        "prefixes match"
    );
    assert!(
        by("64212000").items.iter().all(|i| i.cpv.as_str() == "64212000-5"),
        "CPV codes match"
    );
    assert!(by("64212000").total > 0);
    // Sorting by price.
    let (_, cheapest) = sqlite.iter().find(|(p, _)| p.sort == "price_low").unwrap();
    let prices: Vec<i64> = cheapest.items.iter().map(|i| i.unit_price.micros()).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let (_, dearest) = sqlite.iter().find(|(p, _)| p.sort == "price_high").unwrap();
    assert!(dearest.items.windows(2).all(|w| w[0].unit_price >= w[1].unit_price));
    // Facets narrow.
    let (_, per_minute) = sqlite.iter().find(|(p, _)| p.unit == "per_minute").unwrap();
    assert!(per_minute.total > 0 && per_minute.items.iter().all(|i| i.unit.as_str() == "per_minute"));
    // Nothing found: suggestions say what to relax, and how much each would find.
    let (_, sim_in_lot_1) = sqlite.iter().find(|(p, _)| p.lot == "1" && p.q == "5gb").unwrap();
    assert_eq!(sim_in_lot_1.total, 0);
    assert!(sim_in_lot_1
        .suggestions
        .iter()
        .any(|s| s.label == "Search every lot" && s.count > 0));
    let none = by("quantum teleporter");
    assert_eq!(none.total, 0);
    assert!(none.suggestions.is_empty(), "{:?}", none.suggestions);
    let _ = Sort::Relevance;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_word_forms_synonyms_and_typos_and_never_dead_ends() {
    let found = run(Backend::Sqlite).await;
    let by = |q: &str| {
        found
            .iter()
            .find(|(p, _)| p.q == q && p.sort.is_empty() && p.lot.is_empty() && p.unit.is_empty())
            .map(|(_, r)| r)
            .unwrap()
    };
    // Plurals and word forms find what the singular finds.
    for (plain, form) in [
        ("phone", "phones"),
        ("router", "routers"),
        ("switch", "switches"),
        ("call", "calls"),
        ("call", "calling"),
        ("licences", "licenses"),
    ] {
        assert!(by(plain).total > 0, "{plain} finds something");
        assert_eq!(
            (by(plain).total, skus(by(plain))),
            (by(form).total, skus(by(form))),
            "{plain} and {form}"
        );
    }
    assert!(by("phones").items.iter().any(|i| text_of(i).contains("phone ")));
    // Typos in words of five letters or more find the word meant; shorter words and codes do not.
    for (meant, typed) in [("router", "routr"), ("switch", "swich"), ("ethernet", "etherent")] {
        assert!(by(meant).total > 0 && by(meant).total <= 20);
        let corrected = skus(by(typed));
        assert!(
            skus(by(meant)).iter().all(|s| corrected.contains(s)),
            "{typed} for {meant}: {corrected:?}"
        );
    }
    assert_eq!(by("sjp").total, 0, "three letters are never corrected");
    assert_eq!(by("5gx").total, 0, "codes are never corrected");
    // Synonyms: each finds items that do not have the word typed.
    for (typed, without) in [
        ("mobile", "mobile"),
        ("wireless", "wireless"),
        ("unified communications", "unified"),
        ("uc", "unified communications"),
    ] {
        let r = by(typed);
        assert!(
            r.items.iter().any(|i| !text_of(i).contains(without)),
            "{typed} finds only items with {without}: {:?}",
            skus(r)
        );
    }
    // And nothing beyond the word and its synonyms.
    assert!(by("mobile").items.iter().all(|i| {
        let text = text_of(i);
        ["mobile", "sim", "handset", "smartphone"]
            .iter()
            .any(|w| text.contains(w))
    }));
    assert!(by("wi-fi").items.iter().any(|i| i.sku.as_str() == "L1-WIFI-AP"));
    // No dead end: no item has both words, so the items with either are shown, and said so.
    assert_eq!(by("ethernet").matched, Match::All);
    let partial = by("ethernet teleporter");
    assert_eq!(partial.matched, Match::Partial);
    assert_eq!(
        (partial.total, skus(partial)),
        (by("ethernet").total, skus(by("ethernet")))
    );
    // Those that match most words come first.
    let both = by("sim 5gb");
    let ranked = by("sim 5gb teleporter");
    assert_eq!(ranked.matched, Match::Partial);
    assert!(
        both.total > 0 && ranked.total > both.total,
        "{} {}",
        both.total,
        ranked.total
    );
    let first: Vec<String> = {
        let mut first: Vec<String> = ranked.items[..both.items.len()]
            .iter()
            .map(|i| i.sku.as_str().to_string())
            .collect();
        first.sort();
        first
    };
    assert_eq!(first, skus(both), "items with both words rank first");
    // Filters still apply to partial matches, and combine.
    let (_, in_lot_4) = found
        .iter()
        .find(|(p, _)| p.lot == "4" && p.q == "sim 5gb teleporter")
        .unwrap();
    assert!(in_lot_4.total > 0 && in_lot_4.items.iter().all(|i| i.lot_number == 4));
    let (_, dearest) = found
        .iter()
        .find(|(p, _)| p.sort == "price_high" && p.q == "sim 5gb teleporter")
        .unwrap();
    assert!(dearest.items.windows(2).all(|w| w[0].unit_price >= w[1].unit_price));
    let (_, mobiles) = found.iter().find(|(p, _)| p.q == "mobiles").unwrap();
    assert!(mobiles.items.iter().all(|i| i.unit.as_str() == "per_month"
        && (10_000_000..100_000_000).contains(&i.unit_price.micros())
        && (1..=12).contains(&i.minimum_term_months)));
    let (_, routers) = found.iter().find(|(p, _)| p.q == "managed routers").unwrap();
    assert!(
        routers.total > 0
            && routers
                .items
                .iter()
                .all(|i| i.lot_number == 1 && text_of(i).contains("router"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_combine_within_a_group_and_across_groups() {
    let found = run(Backend::Sqlite).await;
    let by = |lot: &str, unit: &str| {
        found
            .iter()
            .find(|(p, _)| p.q.is_empty() && p.lot == lot && p.unit == unit && p.sort.is_empty())
            .map(|(_, r)| r)
            .unwrap()
    };
    let (all, lot_1, lot_4) = (by("", ""), by("1", ""), by("4", ""));
    // Two lots find the items of either, in the same order however they are given.
    let either = by("4,1", "");
    assert!(lot_1.total > 0 && lot_4.total > 0);
    assert_eq!(either.total, lot_1.total + lot_4.total);
    assert!(either.items.iter().all(|i| [1, 4].contains(&i.lot_number)));
    // A facet's counts ignore its own filter, so that each says what ticking it as well would
    // find; the other facets count only what the filter lets through.
    assert_eq!(lot_1.lots, all.lots);
    assert_eq!(lot_1.units.iter().map(|(_, n)| n).sum::<i64>(), lot_1.total);
    // Across groups every filter applies: lots 1 or 4, and per month.
    let per_month = by("", "per_month");
    let both = by("1,4", "per_month");
    let expected: i64 = per_month
        .lots
        .iter()
        .filter(|(l, _)| [1, 4].contains(l))
        .map(|(_, n)| n)
        .sum();
    assert!(both.total > 0 && both.total < either.total);
    assert_eq!(both.total, expected);
    assert!(both
        .items
        .iter()
        .all(|i| [1, 4].contains(&i.lot_number) && i.unit.as_str() == "per_month"));
    let (_, calls) = found
        .iter()
        .find(|(p, _)| p.q == "call" && p.unit == "per_minute,per_month")
        .unwrap();
    assert!(calls.total > 0);
    assert!(calls.items.iter().all(|i| {
        let price = i.unit_price.micros();
        ["per_minute", "per_month"].contains(&i.unit.as_str())
            && !(10_000_000..1_000_000_000).contains(&price)
            && i.minimum_term_months <= 24
    }));
}

#[test]
fn bad_search_parameters_name_the_field() {
    let bad = SearchParams {
        lot: "x".into(),
        price_band: "9".into(),
        sort: "cheapest".into(),
        page: "0".into(),
        ..SearchParams::default()
    };
    let fields: Vec<String> = bad.parse().unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["price_band", "lot", "sort", "page"]);
    // One bad value among several, or a list too long, names the filter.
    let bad = SearchParams {
        lot: "1,0".into(),
        unit: "per_month,per_fortnight".into(),
        term_band: "1,5".into(),
        supplier: "1,2".into(),
        ..SearchParams::default()
    };
    let fields: Vec<String> = bad.parse().unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["term_band", "lot", "unit", "supplier"]);
    let many = SearchParams {
        lot: vec!["1"; 101].join(","),
        ..SearchParams::default()
    };
    assert!(many.parse().unwrap_err()[0].message.contains("100 values or fewer"));
    // Duplicates are one value.
    let twice = SearchParams {
        lot: "3,3,1".into(),
        ..SearchParams::default()
    };
    assert_eq!(twice.parse().unwrap().lots, [1, 3]);
}

mod prices_paid {
    use calloff_app::call_offs::{self, PlaceCallOff};
    use calloff_app::catalogue;
    use calloff_app::quotes::LineInput;
    use calloff_domain::catalogue::Sku;
    use calloff_test_support::{on_both_databases, Backend, TestApp};

    on_both_databases!(item_pages_show_what_others_paid);

    async fn item_pages_show_what_others_paid(backend: Backend) {
        let t = TestApp::init(backend).await;
        let (camden, hackney) = (t.buyer().await, t.actor("buyer@hackney.example").await);
        let mut conn = t.app.db.pool().acquire().await.unwrap();
        let sim = calloff_store::catalogue::find(&mut conn, &t.framework_id, &Sku::parse("L4-SIM-5GB").unwrap())
            .await
            .unwrap()
            .unwrap()
            .item;
        drop(conn);
        let nobody = catalogue::prices_paid(&t.app, &camden, &sim.id).await.unwrap();
        assert_eq!((nobody.bodies, nobody.median), (0, None));
        let place = |buyer: calloff_app::Actor, key: &'static str| {
            let app = t.app.clone();
            let command = PlaceCallOff {
                framework_id: t.framework_id.clone(),
                lines: vec![LineInput {
                    sku: "L4-SIM-5GB".into(),
                    quantity: 10,
                    term_months: 24,
                    monthly_usage: None,
                }],
                cost_centre: "IT-4021".into(),
                order: calloff_app::demo::sample_order(&t.app),
            };
            async move { call_offs::place(&app, &buyer, &command, Some(key)).await.unwrap() }
        };
        place(camden.clone(), "paid-1").await;
        // The price rises; Hackney then pays more.
        sqlx::query("UPDATE catalogue_items SET unit_price_micros = 6500000 WHERE sku = 'L4-SIM-5GB'")
            .execute(t.app.db.pool())
            .await
            .unwrap();
        place(hackney.clone(), "paid-2").await;
        place(hackney, "paid-3").await;
        let paid = catalogue::prices_paid(&t.app, &camden, &sim.id).await.unwrap();
        assert_eq!((paid.bodies, paid.lines), (2, 3));
        assert_eq!(paid.median.unwrap().micros(), 6_500_000);
        assert_eq!(paid.lowest.unwrap().micros(), 5_500_000);
        assert_eq!(paid.highest.unwrap().micros(), 6_500_000);
        assert!(
            paid.buyers.is_none(),
            "bodies are not named unless the framework allows it"
        );
        let mut conn = t.app.db.pool().acquire().await.unwrap();
        calloff_store::frameworks::set_names_buyers(&mut conn, &t.framework_id, true)
            .await
            .unwrap();
        drop(conn);
        let named = catalogue::prices_paid(&t.app, &camden, &sim.id).await.unwrap();
        assert_eq!(
            named.buyers.unwrap(),
            ["London Borough of Camden", "London Borough of Hackney"]
        );
    }
}
