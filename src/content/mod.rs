//! Gauntlet content: the model, the Markdown parser, the page-text importer, the library and the
//! line diff between versions.

pub mod check;
pub mod diff;
pub mod import;
pub mod library;
pub mod model;
pub mod parse;
pub mod render;

pub use check::{CheckReport, check_paths};
pub use import::{Imported, import_page_text, import_page_text_mapped};
pub use library::{Entry, Library, Origin, Problem};
pub use model::{ContentError, Gauntlet, Round, Section, SectionKind, Skill};
pub use parse::parse_gauntlet;
pub use render::markdown_to_html;
