//! Text and numbers as the page writes them: escaping, coordinates, rounded figures, times.

/// Escapes text for HTML and SVG content and attribute values.
pub(super) fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// A coordinate with at most one decimal, trailing `.0` dropped. Non-finite values (never
/// expected: inputs are filtered) become 0, so "NaN" cannot reach the page.
pub(super) fn c(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s);
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A value for people: fixed decimals, a real minus sign, "–" when absent or not finite.
pub(super) fn num(v: Option<f64>, decimals: usize) -> String {
    match v.filter(|v| v.is_finite()) {
        Some(v) => {
            let s = format!("{v:.decimals$}");
            let zero = s
                .trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.');
            match s.strip_prefix('-') {
                Some(rest) if !zero => format!("−{rest}"),
                Some(rest) => rest.to_string(),
                None => s,
            }
        }
        None => "–".into(),
    }
}

/// A signed value for people (`+6.3`, `−6.3`).
pub(super) fn signed(v: Option<f64>, decimals: usize) -> String {
    let s = num(v, decimals);
    match v {
        Some(x)
            if x.is_finite() && !s.starts_with('−') && s.chars().any(|c| c != '0' && c != '.') =>
        {
            format!("+{s}")
        }
        _ => s,
    }
}

pub(super) fn pct(v: Option<f64>) -> String {
    match v.filter(|v| v.is_finite()) {
        Some(_) => format!("{} %", num(v, 1)),
        None => "–".into(),
    }
}

/// Minutes and seconds, `2:46`.
pub(super) fn mmss(seconds: f64) -> String {
    let s = if seconds.is_finite() {
        seconds.max(0.0).round() as i64
    } else {
        0
    };
    format!("{}:{:02}", s / 60, s % 60)
}

/// A finite positive value or the fallback.
pub(super) fn positive_or(v: f64, fallback: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        fallback
    }
}

// ---------------------------------------------------------------------------------------------
// Colours and names

/// Colour class of a player (by position).
pub(super) fn player_class(i: usize) -> String {
    format!("p{}", i % 4)
}
