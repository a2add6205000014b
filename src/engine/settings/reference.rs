//! The key reference, `docs/dsn-keys.md`, rendered from the settings table.

use super::{plugin_registry, reference_sections, KeyDecl, KeyKind as K};

/// Renders `docs/dsn-keys.md`: one table per section, all from the settings table.
pub fn render_markdown_reference() -> String {
    let mut out = String::new();
    out.push_str("# DSN keys\n\n");
    out.push_str("<!-- Generated from src/engine/settings.rs; do not edit. Regenerate with: AURORAODBC_REGEN_DOCS=1 cargo test --lib dsn_keys_doc -->\n\n");
    out.push_str(
        "Keys are read from the connection string first, then from the DSN's section in odbc.ini, \
then the default applies. Names are case-insensitive and every alias is equivalent to the key's \
name, so the AWS ODBC wrapper's upper-case spellings (`FAILOVER_MODE`, \
`CUSTOM_ENDPOINT_REGION`, `WAIT_FOR_CUSTOM_ENDPOINT_INFO`, ...) need no alias of their own; \
when a connection string names a key twice (under any of its names) the first occurrence \
wins.\n\n\
A value that cannot be used (not a number, out of range, unknown word) fails the connection \
with SQLSTATE 08001 and a message naming the key, the value and what is expected. An empty \
value of a boolean, number, duration, choice, pattern or map key counts as absent. Unknown keys \
never fail a connection; they are listed in the log.\n\n\
Any key may be given again as `monitoring-<key>` (for example `monitoring-connect_timeout=5`) \
to apply only to the monitoring connections that plugins open; such values are checked like \
the key itself, and time values must not be 0 there.\n",
    );
    for section in reference_sections() {
        out.push_str(&format!("\n## {}\n\n{}\n\n", section.title, section.intro));
        out.push_str("| Key | Aliases | Type | Default | Description |\n");
        out.push_str("|---|---|---|---|---|\n");
        for d in section.keys {
            let aliases = d
                .aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let default = d
                .default
                .map_or_else(|| "(absent)".to_string(), |v| format!("`{v}`"));
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                d.name,
                aliases,
                md_escape(&type_text(d)),
                default,
                md_escape(d.doc)
            ));
        }
    }
    out
}

fn type_text(d: &KeyDecl) -> String {
    let words = |w: &[&str]| {
        w.iter()
            .map(|w| format!("`{w}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match d.kind {
        K::Bool => "boolean".to_string(),
        K::Int { min, max } => format!("integer {min}–{max}"),
        K::Duration { unit, min, max } => format!("{} {min}–{max}", unit.word()),
        K::Str => "text".to_string(),
        K::Enum { words: w } => format!("one of {}", words(w)),
        K::List { words: [] } => "comma-separated list".to_string(),
        K::List { words: w } => format!("comma-separated list of {}", words(w)),
        K::PluginCodes => format!(
            "comma-separated list of {}",
            words(plugin_registry::codes())
        ),
        K::HostPattern => "host pattern (`?` = instance id, optional `:port`)".to_string(),
        K::HostMap => "`name=ip[:port]`, comma-separated".to_string(),
        K::Ignored => "ignored".to_string(),
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
