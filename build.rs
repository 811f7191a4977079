//! Embeds the built-in gauntlets (`content/*.md`) and re-runs when they or the migrations change.

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=content");
    // askama reads it when deriving every template, but cargo does not know that
    println!("cargo:rerun-if-changed=askama.toml");
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let content = Path::new(&root).join("content");
    let mut files: Vec<_> = fs::read_dir(&content)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("/// Built-in gauntlets: (file name, Markdown source).\n");
    out.push_str("pub static BUILTIN: &[(&str, &str)] = &[\n");
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 file name");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest =
        Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_content.rs");
    fs::write(dest, out).expect("write builtin_content.rs");
}
