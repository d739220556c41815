//! The README's naming table ("One API in three faces") is true of the three faces: every name
//! in its Rust column is defined in the core's source, every C name is declared in
//! `include/c8y_mqtt.h`, every Python name is defined in the package's stubs or sources; and it
//! is complete: every `c8y_client_*` function of the header and every public method of the
//! Python `Client` and `Device` appears in it. A face that drops or renames a name, or gains one
//! the others do not list, fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of every file under `dir` whose name ends in one of `extensions`.
fn sources(dir: &Path, extensions: &[&str]) -> String {
    let mut text = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if extensions
                .iter()
                .any(|e| path.extension().is_some_and(|x| x == *e))
            {
                text.push_str(&read(&path));
                text.push('\n');
            }
        }
    }
    text
}

/// One row of the table: the backticked names of each column.
struct Row {
    what: String,
    rust: Vec<String>,
    c: Vec<String>,
    python: Vec<String>,
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

fn table() -> Vec<Row> {
    let readme = read(&repo().join("README.md"));
    let section = readme
        .split("\n## One API in three faces\n")
        .nth(1)
        .expect("README has the section `## One API in three faces`");
    let section = section.split("\n## ").next().expect("section text");
    let rows: Vec<Row> = section
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| what"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 4, "four columns: {line}");
            Row {
                what: cells[0].trim().to_owned(),
                rust: backticked(cells[1]),
                c: backticked(cells[2]),
                python: backticked(cells[3]),
            }
        })
        .collect();
    assert!(
        rows.len() > 60,
        "only {} rows: the table was not parsed",
        rows.len()
    );
    rows
}

fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
}

/// Whether `text` has `keyword name` followed by a character that ends the identifier.
fn defines(text: &str, keyword: &str, name: &str) -> bool {
    let needle = format!("{keyword} {name}");
    text.match_indices(&needle).any(|(at, _)| {
        text[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

#[test]
fn every_rust_name_is_defined_in_the_core() {
    let core = sources(&repo().join("core/src"), &["rs"]);
    for row in table() {
        for name in &row.rust {
            for part in name.split("::") {
                let found = if is_type_name(part) {
                    // Types made by the core's macros: templates are `Name = <id>`, and every
                    // such type has an `impl` of its own.
                    ["struct", "enum", "trait", "type"]
                        .iter()
                        .any(|k| defines(&core, &format!("pub {k}"), part))
                        || core.contains(&format!("    {part} = "))
                        || defines(&core, "impl", part)
                } else {
                    defines(&core, "pub fn", part) || defines(&core, "pub async fn", part)
                };
                assert!(found, "{}: `{part}` is not public in core/src", row.what);
            }
        }
    }
}

#[test]
fn every_c_name_is_declared_in_the_header_and_every_client_function_is_listed() {
    let header = read(&repo().join("include/c8y_mqtt.h"));
    let rows = table();
    let mut listed = BTreeSet::new();
    for row in &rows {
        for name in &row.c {
            let declared =
                header.contains(&format!(" {name}(")) || defines(&header, "typedef uint32_t", name);
            assert!(
                declared,
                "{}: `{name}` is not declared in include/c8y_mqtt.h",
                row.what
            );
            listed.insert(name.clone());
        }
    }
    for word in header.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if word.starts_with("c8y_client_") && header.contains(&format!(" {word}(")) {
            assert!(
                listed.contains(word),
                "{word} is in the header but not in the README's naming table"
            );
        }
    }
}

/// The public method names of `class` in the stub (no dunders, no private names).
fn stub_methods(stub: &str, class: &str) -> BTreeSet<String> {
    let body = [":", "("]
        .iter()
        .find_map(|end| stub.split(&format!("\nclass {class}{end}")).nth(1))
        .unwrap_or_else(|| panic!("the stub declares {class}"));
    let body = body.split("\nclass ").next().expect("class body");
    body.lines()
        .filter_map(|l| l.strip_prefix("    def "))
        .map(|l| l.split('(').next().expect("method name").to_owned())
        .filter(|n| !n.starts_with('_'))
        .collect()
}

#[test]
fn every_python_name_is_defined_and_every_client_and_device_method_is_listed() {
    let package = repo().join("python/py_src/c8y_mqtt");
    let python = sources(&package, &["pyi", "py"]);
    let rows = table();
    let mut listed = BTreeSet::new();
    for row in &rows {
        for name in &row.python {
            for part in name.split('.') {
                let found = if is_type_name(part) {
                    defines(&python, "class", part)
                } else {
                    // A method or function, or a keyword option of `Client(...)`.
                    defines(&python, "def", part)
                        || defines(&python, "async def", part)
                        || python.contains(&format!("\n        {part}: "))
                };
                assert!(
                    found,
                    "{}: `{part}` is not defined in python/py_src/c8y_mqtt",
                    row.what
                );
                listed.insert(part.to_owned());
            }
        }
    }
    let stub = read(&package.join("_native.pyi"));
    // Accessors of the handle objects themselves, not operations of the API.
    let handle_accessors = ["id", "path", "closed"];
    for class in ["Client", "Device"] {
        for method in stub_methods(&stub, class) {
            assert!(
                listed.contains(&method) || handle_accessors.contains(&method.as_str()),
                "{class}.{method} is in the Python stub but not in the README's naming table"
            );
        }
    }
}
