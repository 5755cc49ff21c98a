//! Words and numbers as a person reads them.

/// A field name as a label: separators become spaces, camelCase is split,
/// and the first letter is upper case (`MPG.city` → `MPG city`,
/// `fuel_tank` → `Fuel tank`, `EngineSize` → `Engine size`).
pub fn label(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for part in name.split(['.', '_', '-', ' ']).filter(|p| !p.is_empty()) {
        let chars: Vec<char> = part.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            // A lower-case letter followed by an upper-case one starts a word
            // (`EngineSize`); runs of capitals (`MPG`) stay whole.
            if chars[i - 1].is_lowercase() && chars[i].is_uppercase() {
                words.push(chars[start..i].iter().collect());
                start = i;
            }
        }
        words.push(chars[start..].iter().collect());
    }
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut cs = w.chars();
        let first = cs.next().unwrap_or_default();
        let rest: String = cs.collect();
        let plain = rest.chars().all(|c| !c.is_uppercase());
        if i == 0 {
            out.extend(first.to_uppercase());
        } else if plain && first.is_uppercase() && !rest.is_empty() {
            // `Size` in `EngineSize` reads as `size`; `MPG` and `X` stay.
            out.extend(first.to_lowercase());
        } else {
            out.push(first);
        }
        out.push_str(&rest);
    }
    if out.is_empty() { name.to_string() } else { out }
}

/// A number as a person types it: `21`, not `21.0`.
pub fn plain(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { x.to_string() }
}

/// A number for display: thousands grouped with commas, at most `decimals`
/// digits after the point (trailing zeros dropped, at least the integer).
/// Not finite numbers are shown as they are.
pub fn number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let fixed = format!("{:.*}", decimals, x.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let negative = x < 0.0 && (int.chars().any(|c| c != '0') || !frac.is_empty());
    let sign = if negative { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{frac}") }
}

/// A prediction's value: two decimals below 1,000, whole numbers above, and
/// enough significant digits for small values.
pub fn value(x: f64) -> String {
    let a = x.abs();
    let decimals = if a >= 1000.0 {
        0
    } else if a >= 1.0 || a == 0.0 {
        2
    } else {
        // Three significant digits.
        (2 - a.log10().floor() as i64).clamp(2, 12) as usize
    };
    number(x, decimals)
}

/// A signed contribution: `+2.31` or `-0.4`.
pub fn signed(x: f64) -> String {
    let v = value(x);
    if x > 0.0 && v != "0" { format!("+{v}") } else { v }
}

/// The sentence above a prediction's explanation: how far the fields moved
/// `output` from its value for the typical input (`baseline`). When no field
/// moved it (`moved` false: every contribution is zero, as for the form's
/// first values, which are the typical input), it says so and what to do.
pub fn explain_lead(output: &str, baseline: f64, value: f64, moved: bool) -> String {
    if moved {
        format!(
            "Compared with a typical input ({output} {}), these fields moved it by {}:",
            self::value(baseline),
            signed(value - baseline)
        )
    } else {
        format!(
            "These are the typical input's values ({output} {}): change a field to see how it moves {output}.",
            self::value(baseline)
        )
    }
}

/// A probability as a percentage with one decimal.
pub fn percent(p: f64) -> String {
    format!("{}%", number(p * 100.0, 1))
}

/// A duration in milliseconds: `0.42 ms`, `12 ms`, `3.4 s`.
pub fn millis(ms: f64) -> String {
    if ms < 10.0 {
        format!("{} ms", number(ms, 2))
    } else if ms < 1000.0 {
        format!("{} ms", number(ms, 0))
    } else {
        format!("{} s", number(ms / 1000.0, 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_words() {
        assert_eq!(label("MPG.city"), "MPG city");
        assert_eq!(label("Rev.per.mile"), "Rev per mile");
        assert_eq!(label("fuel_tank_capacity"), "Fuel tank capacity");
        assert_eq!(label("Man.trans.avail"), "Man trans avail");
        assert_eq!(label("x"), "X");
        assert_eq!(label("..."), "...");
        assert_eq!(label("EngineSize"), "Engine size");
        assert_eq!(label("AirBags"), "Air bags");
        assert_eq!(label("MPG.city"), "MPG city");
        assert_eq!(label("Origin"), "Origin");
        assert_eq!(label("petal_length_cm"), "Petal length cm");
        assert_eq!(label("sepalWidthCM"), "Sepal width CM");
        assert_eq!(plain(21.0), "21");
        assert_eq!(plain(2.4), "2.4");
    }

    #[test]
    fn an_explanation_says_what_moved_the_prediction() {
        let lead = explain_lead("Price", 20.16, 23.5, true);
        assert_eq!(lead, "Compared with a typical input (Price 20.16), these fields moved it by +3.34:");
        let lead = explain_lead("Price", 20.16, 20.16, false);
        assert_eq!(
            lead,
            "These are the typical input's values (Price 20.16): change a field to see how it moves Price."
        );
    }

    #[test]
    fn numbers_are_grouped_and_rounded() {
        assert_eq!(number(12345.678, 2), "12,345.68");
        assert_eq!(number(-1234567.0, 0), "-1,234,567");
        assert_eq!(number(19.5, 2), "19.5");
        assert_eq!(number(100.0, 2), "100");
        assert_eq!(number(-0.001, 2), "0");
        assert_eq!(number(f64::NAN, 2), "NaN");
        assert_eq!(value(19.27345), "19.27");
        assert_eq!(value(4321.9), "4,322");
        assert_eq!(value(0.012345), "0.0123");
        assert_eq!(value(0.0), "0");
        assert_eq!(signed(2.314), "+2.31");
        assert_eq!(signed(-0.4), "-0.4");
        assert_eq!(percent(0.9876), "98.8%");
        assert_eq!(millis(0.4213), "0.42 ms");
        assert_eq!(millis(12.3), "12 ms");
        assert_eq!(millis(3412.0), "3.4 s");
    }
}
