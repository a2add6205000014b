//! Reading one value by its key's declaration.

use super::{plugin_registry, HostPin, KeyDecl, KeyKind as K, Origin, SettingsError, Slot, Value};
use std::net::IpAddr;

/// Parses and applies the `monitoring-` rule: timeouts for monitoring connections must be
/// non-zero, since zero would mean "wait forever" on exactly the connections meant to notice
/// a dead host.
pub(super) fn parse_checked(
    decl: &'static KeyDecl,
    spelled: &str,
    raw: &str,
    origin: Origin,
    monitoring: bool,
) -> Result<Option<Slot>, SettingsError> {
    let err = |expected: String| SettingsError {
        key: spelled.to_string(),
        value: raw.to_string(),
        expected,
        primary: decl.name,
        origin,
        secret: decl.secret,
    };
    let slot = parse_value(decl, raw, origin).map_err(err)?;
    if monitoring {
        if let (
            Some(Slot {
                value: Value::Duration(d),
                ..
            }),
            K::Duration { unit, max, .. },
        ) = (&slot, decl.kind)
        {
            if d.is_zero() {
                return Err(err(format!(
                    "a non-zero integer number of {} up to {max} (monitoring- timeouts must not be 0)",
                    unit.word()
                )));
            }
        }
    }
    Ok(slot)
}

/// Parses one value by its declaration. `Ok(None)`: empty value of a typed key (absent).
/// `Err`: the expectation text.
pub(super) fn parse_value(
    decl: &'static KeyDecl,
    raw: &str,
    origin: Origin,
) -> Result<Option<Slot>, String> {
    let t = raw.trim();
    let slot = |value: Value, text: String| {
        Some(Slot {
            value,
            text,
            origin,
        })
    };
    let typed_empty = t.is_empty()
        && !matches!(
            decl.kind,
            K::Str | K::Ignored | K::List { .. } | K::PluginCodes
        );
    if typed_empty {
        return Ok(None);
    }
    Ok(match decl.kind {
        K::Bool => {
            let b = parse_bool(t).ok_or_else(|| decl.expected())?;
            slot(Value::Bool(b), b.to_string())
        }
        K::Int { min, max } => {
            let n = parse_uint(t)
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| decl.expected())?;
            slot(Value::Int(n), n.to_string())
        }
        K::Duration { unit, min, max } => {
            let n = parse_uint(t)
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| decl.expected())?;
            slot(Value::Duration(unit.to_duration(n)), n.to_string())
        }
        K::Str | K::Ignored => slot(Value::Str(raw.to_string()), raw.to_string()),
        K::Enum { words } => {
            let w = match_word(words, t).ok_or_else(|| decl.expected())?;
            slot(Value::Enum(w), w.to_string())
        }
        K::List { .. } | K::PluginCodes => {
            let words = match decl.kind {
                K::List { words } => words,
                _ => plugin_registry::codes(),
            };
            let mut items: Vec<String> = Vec::new();
            for item in t.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                let item = if words.is_empty() {
                    item.to_string()
                } else {
                    match match_word(words, item) {
                        Some(w) => w.to_string(),
                        None => return Err(format!("{} (unknown item '{item}')", decl.expected())),
                    }
                };
                if !items.iter().any(|i| i.eq_ignore_ascii_case(&item)) {
                    items.push(item);
                }
            }
            let text = items.join(",");
            slot(Value::List(items), text)
        }
        K::HostPattern => {
            let (host, _) = crate::engine::hostname::split_port(t);
            let ok = host.contains('?')
                && !host.contains(':')
                && !host.contains(|c: char| c.is_whitespace() || c == '/' || c == ',');
            if !ok {
                return Err(decl.expected());
            }
            slot(Value::Str(t.to_string()), t.to_string())
        }
        K::HostMap => {
            let pins = parse_host_map(t).ok_or_else(|| decl.expected())?;
            slot(Value::HostMap(pins), t.to_string())
        }
    })
}

fn parse_bool(t: &str) -> Option<bool> {
    const TRUE: &[&str] = &["1", "true", "yes", "on"];
    const FALSE: &[&str] = &["0", "false", "no", "off"];
    if TRUE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(false)
    } else {
        None
    }
}

/// Plain decimal digits only: no sign, no exponent, no unit suffix, so `30s` or `-1` fail
/// loudly instead of being half-read.
fn parse_uint(t: &str) -> Option<u64> {
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Case-insensitive, with `-` and `_` interchangeable (`verify_full`, `STRICT-WRITER`).
fn match_word(words: &'static [&'static str], t: &str) -> Option<&'static str> {
    let norm = |c: u8| {
        if c == b'_' {
            b'-'
        } else {
            c.to_ascii_lowercase()
        }
    };
    words
        .iter()
        .copied()
        .find(|w| w.len() == t.len() && w.bytes().zip(t.bytes()).all(|(a, b)| norm(a) == norm(b)))
}

/// `name=ip[:port]` items separated by commas; IPv6 with a port as `[addr]:port`.
fn parse_host_map(t: &str) -> Option<Vec<HostPin>> {
    let mut pins = Vec::new();
    for item in t.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, addr) = item.split_once('=')?;
        let name = name.trim();
        let name = name.strip_suffix('.').unwrap_or(name);
        let addr = addr.trim();
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == ':') {
            return None;
        }
        let (ip, port) = if let Some(rest) = addr.strip_prefix('[') {
            let (ip, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                p => Some(parse_port(p.strip_prefix(':')?)?),
            };
            (ip.parse::<IpAddr>().ok()?, port)
        } else if let Ok(ip) = addr.parse::<IpAddr>() {
            (ip, None)
        } else {
            let (ip, p) = addr.rsplit_once(':')?;
            (
                ip.parse::<std::net::Ipv4Addr>().ok()?.into(),
                Some(parse_port(p)?),
            )
        };
        pins.push(HostPin {
            host: name.to_ascii_lowercase(),
            addr: ip,
            port,
        });
    }
    Some(pins)
}

fn parse_port(p: &str) -> Option<u16> {
    parse_uint(p)
        .and_then(|n| u16::try_from(n).ok())
        .filter(|n| *n != 0)
}
