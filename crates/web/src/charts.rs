//! Charts drawn on the server as SVG: no JavaScript, scaled to the column, each with a title and
//! a description for assistive technology, and always shown beside a table of the same figures.

use calloff_domain::money::Money;
use maud::{html, Markup};

const WIDTH: i64 = 520;
const LABEL_WIDTH: i64 = 200;
const ROW_HEIGHT: i64 = 28;
const BAR_HEIGHT: i64 = 18;

/// The longest label drawn in full; the table beside the chart has the rest.
const MAX_LABEL: usize = 24;

fn short(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL {
        label.to_string()
    } else {
        let cut: String = label.chars().take(MAX_LABEL - 1).collect();
        format!("{cut}…")
    }
}

/// Horizontal bars, one per row, scaled to the largest value (a negative value draws no bar).
pub fn bars(id: &str, title: &str, rows: &[(String, Money)]) -> Markup {
    let max = rows.iter().map(|(_, m)| m.pence()).max().unwrap_or(0).max(1);
    let height = ROW_HEIGHT * i64::try_from(rows.len()).unwrap_or(0) + 8;
    let span = WIDTH - LABEL_WIDTH - 110;
    let description = rows
        .iter()
        .map(|(label, value)| format!("{label}: {value}"))
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        svg class="calloff-chart" xmlns="http://www.w3.org/2000/svg" role="img" width=(WIDTH) height=(height)
            style="max-width:100%;height:auto" font-family="system-ui, -apple-system, Arial, sans-serif"
            viewBox={ "0 0 " (WIDTH) " " (height) } aria-labelledby={ (id) "-title " (id) "-desc" } {
            title id={ (id) "-title" } { (title) }
            desc id={ (id) "-desc" } { (description) }
            @for (i, (label, value)) in rows.iter().enumerate() {
                @let y = ROW_HEIGHT * i64::try_from(i).unwrap_or(0) + 4;
                @let width = i64::try_from(i128::from(value.pence().max(0)) * i128::from(span) / i128::from(max)).unwrap_or(0);
                text x=(LABEL_WIDTH - 8) y=(y + BAR_HEIGHT - 4) text-anchor="end" font-size="14" fill="#0b0c0c" { (short(label)) }
                rect x=(LABEL_WIDTH) y=(y) width=(width.max(1)) height=(BAR_HEIGHT) fill="#1d70b8" {}
                text x=(LABEL_WIDTH + width + 6) y=(y + BAR_HEIGHT - 4) font-size="14" fill="#0b0c0c" { (value) }
            }
        }
    }
}

/// A cumulative line against a ceiling: `points` in order, from zero. When the ceiling is far
/// above the line (more than four times its top), the scale follows the line and the ceiling is
/// stated rather than drawn, so the line does not lie flat along the axis.
pub fn burn_up(id: &str, title: &str, points: &[(String, Money)], ceiling: Money) -> Markup {
    let height: i64 = 240;
    let (left, right, top, bottom) = (20_i64, WIDTH - 20, 30_i64, height - 40);
    let highest = points.iter().map(|(_, m)| m.pence()).max().unwrap_or(0).max(1);
    let ceiling_drawn = ceiling.pence() <= highest.saturating_mul(4);
    let top_value = if ceiling_drawn {
        ceiling.pence().max(highest)
    } else {
        highest.saturating_add(highest / 5)
    };
    let n = i64::try_from(points.len()).unwrap_or(0);
    let x = |i: i64| {
        if n <= 1 {
            left
        } else {
            left + (right - left) * i / (n - 1)
        }
    };
    let y = |pence: i64| {
        bottom
            - i64::try_from(i128::from(pence.max(0)) * i128::from(bottom - top) / i128::from(top_value.max(1)))
                .unwrap_or(0)
    };
    let path = points
        .iter()
        .enumerate()
        .map(|(i, (_, m))| format!("{},{}", x(i64::try_from(i).unwrap_or(0)), y(m.pence())))
        .collect::<Vec<_>>()
        .join(" ");
    let description = format!(
        "Ceiling {ceiling}. {}",
        points
            .iter()
            .map(|(label, value)| format!("{label}: {value} committed"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    html! {
        svg class="calloff-chart" xmlns="http://www.w3.org/2000/svg" role="img" width=(WIDTH) height=(height)
            style="max-width:100%;height:auto" font-family="system-ui, -apple-system, Arial, sans-serif"
            viewBox={ "0 0 " (WIDTH) " " (height) } aria-labelledby={ (id) "-title " (id) "-desc" } {
            title id={ (id) "-title" } { (title) }
            desc id={ (id) "-desc" } { (description) }
            line x1=(left) y1=(bottom) x2=(right) y2=(bottom) stroke="#0b0c0c" {}
            @if ceiling_drawn {
                line x1=(left) y1=(y(ceiling.pence())) x2=(right) y2=(y(ceiling.pence())) stroke="#d4351c" stroke-dasharray="6 4" {}
                text x=(left) y=(y(ceiling.pence()) - 6) font-size="14" fill="#0b0c0c" { "Ceiling " (ceiling) }
            } @else {
                text x=(left) y=(18) font-size="14" fill="#0b0c0c" { "Ceiling " (ceiling) ", far above this scale" }
            }
            @if let Some((_, last)) = points.last() {
                polyline points=(path) fill="none" stroke="#1d70b8" stroke-width="3" {}
                text x=(right) y=(y(last.pence()) - 8) text-anchor="end" font-size="14" fill="#0b0c0c" { (last) }
                text x=(left) y=(bottom + 20) font-size="14" fill="#0b0c0c" { (points[0].0) }
                text x=(right) y=(bottom + 20) text-anchor="end" font-size="14" fill="#0b0c0c" { (points[points.len() - 1].0) }
            }
        }
    }
}

/// The figures a chart draws, as a table.
pub fn table(caption: &str, heading: &str, rows: &[(String, Money)]) -> Markup {
    html! {
        table class="govuk-table" {
            caption class="govuk-table__caption govuk-table__caption--s" { (caption) }
            thead class="govuk-table__head" { tr class="govuk-table__row" {
                th scope="col" class="govuk-table__header" { (heading) }
                th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Net" }
            } }
            tbody class="govuk-table__body" {
                @for (label, value) in rows {
                    tr class="govuk-table__row" {
                        th scope="row" class="govuk-table__header" { (label) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (value) }
                    }
                }
            }
        }
    }
}

/// A chart with its table beside it (below it on a narrow screen).
pub fn with_table(chart: Markup, table: Markup) -> Markup {
    html! {
        div class="govuk-grid-row" {
            div class="govuk-grid-column-one-half" { (chart) }
            div class="govuk-grid-column-one-half calloff-table-scroll" { (table) }
        }
    }
}
