//! The gauntlets built into the binary (`content/*.md`, embedded by `build.rs`).

include!(concat!(env!("OUT_DIR"), "/builtin_content.rs"));
