//! The shape of the code, checked: no module of `src/` imports, directly or through others, a
//! module that imports it back (docs/architecture.md). Edges are counted at file level from
//! `use` items and inline paths (`crate::x::y`, `super::x`, `self::x`, and paths that start
//! with a child module's name), in test code too. `mod x;` declarations are not edges;
//! re-exports (`pub use child::X`) are.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path such as `["kit", "build"]`, mapped to the file that holds it.
type Modules = BTreeMap<Vec<String>, PathBuf>;

fn collect(dir: &Path, prefix: &[String], out: &mut Modules) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            let mut p = prefix.to_vec();
            p.push(name);
            collect(&path, &p, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut p = prefix.to_vec();
            match name.as_str() {
                "mod" => {}
                "lib" if prefix.is_empty() => {}
                "main" if prefix.is_empty() => continue, // the binary is its own crate
                _ => p.push(name),
            }
            out.insert(p, path);
        }
    }
}

/// Removes comments and the contents of string and char literals, so that paths in docs and
/// messages are not taken for imports.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'r'
            && (b.get(i + 1) == Some(&b'#') || b.get(i + 1) == Some(&b'"'))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            // Raw string r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"'
                    && b[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == b'#')
                        .count()
                        == hashes
                {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let close = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map(|p| i + 2 + p)
            } else if b.get(i + 2) == Some(&b'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(c) => {
                    out.push_str("' '");
                    i = c + 1;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            // Keep UTF-8 intact.
            let ch = src[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its paths.
fn expand_use(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    fn go(prefix: &str, t: &str, out: &mut Vec<String>) {
        if let Some(open) = t.find('{') {
            let head = &t[..open];
            let body = &t[open + 1..t.len() - 1];
            let mut depth = 0;
            let mut start = 0;
            let full = format!("{prefix}{head}");
            let bytes: Vec<char> = body.chars().collect();
            let mut parts = Vec::new();
            for (i, &c) in bytes.iter().enumerate() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        parts.push(bytes[start..i].iter().collect::<String>());
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            parts.push(bytes[start..].iter().collect::<String>());
            for p in parts.into_iter().filter(|p| !p.is_empty()) {
                go(&full, &p, out);
            }
        } else {
            let t = t.split(" as ").next().unwrap_or(t);
            out.push(format!("{prefix}{t}"));
        }
    }
    let mut out = Vec::new();
    go("", &tree, &mut out);
    out
}

/// Every path a file names, with its byte offset: `use` items expanded, and inline paths.
fn located_paths(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    // `use` items (also `pub use`, `pub(crate) use`).
    let mut from = 0;
    while let Some(pos) = find_word(&code[from..], "use") {
        let at = from + pos;
        let after = &code[at + 3..];
        match after.find(';') {
            Some(end) => {
                out.extend(expand_use(&after[..end]).into_iter().map(|p| (at, p)));
                from = at + 3 + end;
            }
            None => break,
        }
    }
    // Inline paths: a run of `ident::ident::...`.
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts = (c.is_ascii_alphabetic() || c == '_')
            && (i == 0
                || !(chars[i - 1].is_ascii_alphanumeric()
                    || chars[i - 1] == '_'
                    || chars[i - 1] == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut segs = 0;
        loop {
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            segs += 1;
            if j + 2 < chars.len()
                && chars[j] == ':'
                && chars[j + 1] == ':'
                && (chars[j + 2].is_ascii_alphabetic() || chars[j + 2] == '_')
            {
                j += 2;
            } else {
                break;
            }
        }
        if segs > 1 {
            let offset: usize = chars[..i].iter().map(|c| c.len_utf8()).sum();
            out.push((offset, chars[i..j].iter().collect()));
        }
        i = j.max(i + 1);
    }
    out
}

/// The paths alone.
#[cfg(test)]
fn paths(code: &str) -> Vec<String> {
    located_paths(code).into_iter().map(|(_, p)| p).collect()
}

/// Inline module blocks (`mod tests { ... }`): (name, start, end) byte ranges.
fn inline_modules(code: &str) -> Vec<(String, usize, usize)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = find_word(&code[from..], "mod") {
        let at = from + pos;
        let after = &code[at + 3..];
        let trimmed = after.trim_start();
        let name: String = trimmed
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let rest = trimmed[name.len()..].trim_start();
        if !name.is_empty() && rest.starts_with('{') {
            let open = code.len() - rest.len();
            let mut depth = 0;
            let mut end = b.len();
            for (k, &c) in b.iter().enumerate().skip(open) {
                if c == b'{' {
                    depth += 1;
                } else if c == b'}' {
                    depth -= 1;
                    if depth == 0 {
                        end = k;
                        break;
                    }
                }
            }
            out.push((name, open, end));
        }
        from = at + 3;
    }
    out
}

fn find_word(s: &str, w: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(p) = s[from..].find(w) {
        let at = from + p;
        let before = at == 0 || !(b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_');
        let after = b.get(at + w.len()).is_none_or(|c| c.is_ascii_whitespace());
        if before && after {
            return Some(at);
        }
        from = at + w.len();
    }
    None
}

/// The declared child modules of a file (`mod x;` or `mod x {`).
fn children(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(pos) = find_word(rest, "mod") {
        let after = rest[pos + 3..].trim_start();
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
        rest = &rest[pos + 3..];
    }
    out
}

/// The file-level module a path names, from inside module `here`.
fn resolve(
    path: &str,
    here: &[String],
    kids: &BTreeSet<String>,
    modules: &Modules,
) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String>;
    let mut i;
    match segs[0] {
        "crate" => {
            base = Vec::new();
            i = 1;
        }
        "self" => {
            base = here.to_vec();
            i = 1;
        }
        "super" => {
            base = here.to_vec();
            i = 0;
            while segs.get(i) == Some(&"super") {
                base.pop();
                i += 1;
            }
        }
        first if kids.contains(first) => {
            base = here.to_vec();
            i = 0;
        }
        _ => return None,
    }
    // The deepest prefix that is a file.
    let mut best = None;
    if modules.contains_key(&base) {
        best = Some(base.clone());
    }
    while i < segs.len() {
        base.push(segs[i].to_string());
        if modules.contains_key(&base) {
            best = Some(base.clone());
        }
        i += 1;
    }
    best
}

fn graph(src: &Path) -> (Modules, BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) {
    let mut modules = Modules::new();
    collect(src, &[], &mut modules);
    let mut edges = BTreeMap::new();
    for (m, file) in &modules {
        let text = std::fs::read_to_string(file).expect("source file");
        let code = strip(&text);
        let kids = children(&code);
        let inline = inline_modules(&code);
        let mut out = BTreeSet::new();
        for (at, p) in located_paths(&code) {
            // Inside `mod tests { .. }`, `super` is the file's module.
            let mut here = m.clone();
            for (name, start, end) in &inline {
                if (*start..*end).contains(&at) {
                    here.push(name.clone());
                }
            }
            if let Some(target) = resolve(&p, &here, &kids, &modules) {
                out.insert(target);
            }
        }
        out.remove(m);
        edges.insert(m.clone(), out);
    }
    (modules, edges)
}

/// A cycle through the graph, if any (depth-first search).
fn find_cycle(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<Vec<String>>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let mut state: BTreeMap<&Vec<String>, State> = edges.keys().map(|k| (k, State::New)).collect();
    fn visit<'a>(
        n: &'a Vec<String>,
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<&'a Vec<String>, State>,
        stack: &mut Vec<&'a Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        state.insert(n, State::Open);
        stack.push(n);
        for m in edges.get(n).into_iter().flatten() {
            match state.get(m).copied().unwrap_or(State::Done) {
                State::Open => {
                    let from = stack.iter().position(|x| *x == m).unwrap();
                    let mut cycle: Vec<Vec<String>> =
                        stack[from..].iter().map(|x| (*x).clone()).collect();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                State::New => {
                    if let Some(c) = visit(m, edges, state, stack) {
                        return Some(c);
                    }
                }
                State::Done => {}
            }
        }
        stack.pop();
        state.insert(n, State::Done);
        None
    }
    let keys: Vec<&Vec<String>> = edges.keys().collect();
    for k in keys {
        if state[k] == State::New {
            let mut stack = Vec::new();
            if let Some(c) = visit(k, edges, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "lib".into()
    } else {
        m.join("::")
    }
}

#[test]
fn src_has_no_import_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (modules, edges) = graph(&src);
    assert!(
        modules.len() > 20,
        "found only {} modules under src/",
        modules.len()
    );
    if std::env::var_os("POCKET_PRINT_GRAPH").is_some() {
        for (m, out) in &edges {
            let list: Vec<String> = out.iter().map(|t| name(t)).collect();
            println!("{} -> {}", name(m), list.join(", "));
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        let shown: Vec<String> = cycle.iter().map(|m| name(m)).collect();
        panic!("import cycle in src/: {}", shown.join(" -> "));
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let m = |s: &str| vec![s.to_string()];
    let mut edges = BTreeMap::new();
    edges.insert(m("a"), BTreeSet::from([m("b")]));
    edges.insert(m("b"), BTreeSet::from([m("c")]));
    edges.insert(m("c"), BTreeSet::from([m("a")]));
    let c = find_cycle(&edges).expect("a cycle");
    assert_eq!(c.first(), c.last());
    assert_eq!(c.len(), 4);
    edges.insert(m("c"), BTreeSet::new());
    assert!(find_cycle(&edges).is_none());
}

#[test]
fn paths_are_read_from_use_trees_and_inline_code() {
    let code = strip(
        "use crate::{a::{B, c}, d};\nfn f() { super::x::y(); let s = \"crate::no\"; } // crate::no",
    );
    let p = paths(&code);
    assert!(p.contains(&"crate::a::B".to_string()), "{p:?}");
    assert!(p.contains(&"crate::a::c".to_string()), "{p:?}");
    assert!(p.contains(&"crate::d".to_string()), "{p:?}");
    assert!(p.contains(&"super::x::y".to_string()), "{p:?}");
    assert!(!p.iter().any(|s| s.contains("no")), "{p:?}");
}
