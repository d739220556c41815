//! `include/c8y_mqtt.h` is what cbindgen generates from this crate (stale otherwise; set
//! `C8Y_BLESS=1` to rewrite it), its version macros match the crate, every function is
//! documented, and it compiles as strict C99 and as C++.

use std::path::PathBuf;
use std::process::Command;

fn ffi_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    ffi_dir().join("../include/c8y_mqtt.h")
}

fn generate() -> String {
    let config = cbindgen::Config::from_file(ffi_dir().join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(ffi_dir())
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("UTF-8 header")
}

/// Compares the generated header with the committed one once per test run (rewriting it first
/// under `C8Y_BLESS=1`), so that the other tests read the final file.
fn check_header() -> &'static Result<(), String> {
    static CHECKED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    CHECKED.get_or_init(|| {
        let generated = generate();
        let path = header_path();
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if generated == committed {
            return Ok(());
        }
        if std::env::var_os("C8Y_BLESS").is_some_and(|v| v == "1") {
            std::fs::write(&path, generated).map_err(|e| format!("write include/c8y_mqtt.h: {e}"))?;
            return Ok(());
        }
        Err(
            "include/c8y_mqtt.h is stale: run `C8Y_BLESS=1 cargo test -p c8y-mqtt-ffi --test header`"
                .to_owned(),
        )
    })
}

#[test]
fn header_is_up_to_date() {
    if let Err(stale) = check_header() {
        panic!("{stale}");
    }
}

fn define(header: &str, name: &str) -> u64 {
    let prefix = format!("#define {name} ");
    header
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{name} missing"))
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number"))
}

#[test]
fn version_macros_match_the_crate() {
    let _ = check_header();
    let header = std::fs::read_to_string(header_path()).expect("header");
    let version: Vec<u64> = env!("CARGO_PKG_VERSION")
        .split('.')
        .map(|p| p.parse().expect("numeric version"))
        .collect();
    let (major, minor, patch) = (
        define(&header, "C8Y_VERSION_MAJOR"),
        define(&header, "C8Y_VERSION_MINOR"),
        define(&header, "C8Y_VERSION_PATCH"),
    );
    assert_eq!(vec![major, minor, patch], version);
    assert_eq!(
        define(&header, "C8Y_VERSION_NUMBER"),
        major * 10_000 + minor * 100 + patch
    );
    // SAFETY: returns a static NUL-terminated string.
    let runtime = unsafe { std::ffi::CStr::from_ptr(c8ymqtt::version::c8y_version()) };
    assert!(
        runtime
            .to_str()
            .unwrap()
            .starts_with(&format!("c8y-mqtt-ffi/{} rumqttc/0.", env!("CARGO_PKG_VERSION"))),
        "{runtime:?}"
    );
}

#[test]
fn every_function_is_documented_with_its_safety_contract() {
    let header = generate();
    let lines: Vec<&str> = header.lines().collect();
    let mut functions = 0;
    for (i, line) in lines.iter().enumerate() {
        let is_function = line.contains("c8y_")
            && line.contains('(')
            && line.trim_end().ends_with(");")
            && !line.starts_with(' ')
            && !line.starts_with("typedef")
            && !line.starts_with('#')
            && !line.starts_with(" *");
        if !is_function {
            continue;
        }
        functions += 1;
        let doc: Vec<&str> = lines[..i]
            .iter()
            .rev()
            .take_while(|l| !l.trim().is_empty() && !l.trim_end().ends_with(';'))
            .copied()
            .collect();
        assert!(
            doc.iter().any(|l| l.trim_start().starts_with("*/")),
            "undocumented: {line}"
        );
        assert!(
            doc.iter().any(|l| l.contains("# Safety")),
            "no safety section: {line}"
        );
    }
    assert!(functions > 50, "only {functions} functions found");
}

fn compile(tag: &str, compiler: &str, args: &[&str]) {
    let _ = check_header();
    let include = ffi_dir().join("../include");
    let dir = std::env::temp_dir().join(format!("c8y-header-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("use_header.c");
    std::fs::write(
        &source,
        "#include \"c8y_mqtt.h\"\nint main(void) { return c8y_version() == 0 && C8Y_RESULT_OK == 0; }\n",
    )
    .unwrap();
    let output = Command::new(compiler)
        .args(args)
        .arg("-I")
        .arg(&include)
        .arg("-fsyntax-only")
        .arg(&source)
        .output()
        .unwrap_or_else(|e| panic!("{compiler}: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "{compiler} {args:?} rejects the header:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_owned())
}

#[test]
fn header_compiles_as_strict_c99() {
    compile(
        "c99",
        &cc(),
        &["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"],
    );
}

#[test]
fn header_compiles_as_cpp() {
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".to_owned());
    compile(
        "cpp",
        &cxx,
        &[
            "-x",
            "c++",
            "-std=c++11",
            "-Wall",
            "-Wextra",
            "-Wpedantic",
            "-Werror",
        ],
    );
}
