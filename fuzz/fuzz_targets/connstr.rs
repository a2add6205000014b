//! Connection strings and the values of their keys, as SQLDriverConnect reads them: the ODBC
//! grammar (`ConnString::parse`), the completed string it hands back, every key's typed value
//! (`Settings::resolve`, with part of the input playing the DSN's odbc.ini section), and the
//! connect options built from the settings (host pins, pqopt, plugins, credentials). No
//! network: nothing here connects.
//!
//! Input: the connection string, optionally followed by a 0xFF byte and an odbc.ini section
//! (`key=value` lines).
//!
//! Checked beyond "no panic": the completed string parses back to the same pairs.
#![no_main]

use auroraodbc::engine::pipeline::Pipeline;
use auroraodbc::engine::session::ConnectOptions;
use auroraodbc::engine::settings::{all_keys, Settings};
use auroraodbc::odbc::connstr::ConnString;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (conn_part, dsn_part) = match data.iter().position(|&b| b == 0xFF) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(conn_part) else {
        return;
    };
    let dsn_text = String::from_utf8_lossy(dsn_part);
    let section: Vec<(String, String)> = dsn_text
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();

    let Ok(parsed) = ConnString::parse(text) else {
        return;
    };
    for redact in [false, true] {
        let out = parsed.to_output_string(redact);
        let back = ConnString::parse(&out)
            .unwrap_or_else(|e| panic!("completed string {out:?} of {text:?} does not parse: {e}"));
        if !redact {
            assert_eq!(
                back, parsed,
                "completed string {out:?} of {text:?} reads differently"
            );
        }
    }

    let lookup = |key: &str| -> Option<String> {
        section
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    let Ok(settings) = Settings::resolve(parsed.pairs(), &lookup) else {
        return;
    };
    // Every getter on the keys the input names, whatever their kind: a getter of the wrong
    // kind answers a neutral value, never panics. (All keys every time would make each
    // execution a few hundred thousand name comparisons.)
    let named = parsed.pairs().iter().map(|(k, _)| k.as_str());
    let declared = all_keys()
        .iter()
        .take(usize::from(data.len() as u8 % 8))
        .map(|d| d.name);
    for name in named.chain(declared) {
        let _ = settings.get_bool(name);
        let _ = settings.get_u64(name);
        let _ = settings.get_duration(name);
        let _ = settings.get_timeout(name);
        let _ = settings.get_str(name);
        let _ = settings.get_enum(name);
        let _ = settings.get_list(name);
        let _ = settings.get_host_map(name);
        let _ = settings.origin(name);
    }
    let _ = settings.redacted_pairs();
    let _ = settings.unknown_keys().count();
    let monitoring = settings.for_monitoring();
    let _ = Pipeline::codes(&settings);
    if let Some(server) = settings.get_str("server") {
        let _ = settings.pinned_address(server);
    }
    let _ = ConnectOptions::from_settings(&settings);
    let _ = ConnectOptions::from_settings(&monitoring);
});
