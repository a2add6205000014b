//! RDS host-name classification.
//!
//! Aurora-aware behaviour hangs off the shape of the `Server` name: a cluster endpoint means
//! "connect to the writer", `cluster-ro-` means a reader, `cluster-custom-` triggers the custom
//! endpoint plugin, and instance host names for failover are built from the cluster's domain.
//! Everything here is pure string work on the name the user gave; nothing resolves DNS.

/// What kind of RDS endpoint a host name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RdsHostKind {
    /// `<instance-id>.<hash>.<region>.rds.amazonaws.com`: one DB instance.
    Instance,
    /// `<cluster-id>.cluster-<hash>...`: follows the writer.
    ClusterWriter,
    /// `<cluster-id>.cluster-ro-<hash>...`: spreads over the readers.
    ClusterReader,
    /// `<endpoint-id>.cluster-custom-<hash>...`: a user-defined subset of instances.
    Custom,
    /// `<proxy>.proxy-<hash>...` (and `<endpoint>.endpoint.proxy-<hash>...`): RDS Proxy, which
    /// hides the instance behind it.
    Proxy,
    /// Anything else: IP addresses, custom DNS names, non-RDS hosts, malformed RDS-like names.
    Other,
}

/// A classified host name. Every string field is lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdsHost {
    pub kind: RdsHostKind,
    /// Cluster id (writer/reader endpoints), endpoint id (custom endpoints), proxy name (the
    /// first label of a proxy name), instance id (instances); empty for [`RdsHostKind::Other`].
    pub cluster_id_or_endpoint_id: String,
    /// Region read from the RDS domain suffix; also set for [`RdsHostKind::Other`] names that
    /// end in an RDS domain but have an unknown shape (e.g. global endpoints).
    pub region: Option<String>,
    /// The domain shared by the cluster's instances: the part after `cluster-`, `cluster-ro-`,
    /// `cluster-custom-` or `proxy-`, or after the first label of an instance name, e.g.
    /// `abc123.us-east-1.rds.amazonaws.com`. Empty for [`RdsHostKind::Other`].
    pub domain: String,
}

impl RdsHost {
    fn other(region: Option<String>) -> RdsHost {
        RdsHost {
            kind: RdsHostKind::Other,
            cluster_id_or_endpoint_id: String::new(),
            region,
            domain: String::new(),
        }
    }

    /// True for the cluster, reader and custom endpoints: names behind which DNS picks the
    /// instance, so the instance actually reached must be asked for.
    pub fn is_cluster_endpoint(&self) -> bool {
        matches!(
            self.kind,
            RdsHostKind::ClusterWriter | RdsHostKind::ClusterReader | RdsHostKind::Custom
        )
    }
}

/// Prefixes of the hash label, longest first so `cluster-` does not shadow the others.
const PREFIXES: &[(&str, RdsHostKind)] = &[
    ("cluster-custom-", RdsHostKind::Custom),
    ("cluster-ro-", RdsHostKind::ClusterReader),
    ("cluster-", RdsHostKind::ClusterWriter),
    ("proxy-", RdsHostKind::Proxy),
];

/// Classifies `host` (case-insensitive; one trailing root dot is allowed).
pub fn classify(host: &str) -> RdsHost {
    let Some(name) = normalize(host) else {
        return RdsHost::other(None);
    };
    let labels: Vec<&str> = name.split('.').collect();
    let Some((suffix_len, region)) = rds_suffix(&labels) else {
        return RdsHost::other(None);
    };
    let region = Some(region.to_string());
    let head = &labels[..labels.len() - suffix_len];
    // The hash label sits right before the RDS suffix; at least one label precedes it.
    let (Some((hash_label, before)), true) = (head.split_last(), head.len() >= 2) else {
        return RdsHost::other(region);
    };
    let rest = labels[labels.len() - suffix_len..].join(".");
    for &(prefix, kind) in PREFIXES {
        let Some(hash) = hash_label.strip_prefix(prefix) else {
            continue;
        };
        if !is_hash(hash) {
            return RdsHost::other(region);
        }
        // A proxy's own endpoints add one `<name>.endpoint` level; clusters never do.
        let id_ok = match (kind, before) {
            (_, [id]) => is_identifier(id),
            (RdsHostKind::Proxy, [id, "endpoint"]) => is_identifier(id),
            _ => false,
        };
        if !id_ok {
            return RdsHost::other(region);
        }
        return RdsHost {
            kind,
            cluster_id_or_endpoint_id: before[0].to_string(),
            region,
            domain: format!("{hash}.{rest}"),
        };
    }
    match before {
        [id] if is_identifier(id) && is_hash(hash_label) => RdsHost {
            kind: RdsHostKind::Instance,
            cluster_id_or_endpoint_id: (*id).to_string(),
            region,
            domain: format!("{hash_label}.{rest}"),
        },
        _ => RdsHost::other(region),
    }
}

/// The endpoint id of a custom cluster endpoint (the part before `.cluster-custom-`).
pub fn custom_endpoint_id(host: &str) -> Option<String> {
    let h = classify(host);
    (h.kind == RdsHostKind::Custom).then_some(h.cluster_id_or_endpoint_id)
}

/// The region an RDS host name carries, if it ends in a known RDS domain.
pub fn region(host: &str) -> Option<String> {
    classify(host).region
}

/// Builds an instance's host name (and optional port) from a `cluster_instance_host_pattern`
/// such as `?.abc123.us-east-1.rds.amazonaws.com:5432`: every `?` becomes `instance_id`.
/// A trailing `:<digits>` that is not a valid port is left in the host part, where connecting
/// will report it, rather than silently dropped.
pub fn instance_host(pattern: &str, instance_id: &str) -> (String, Option<u16>) {
    let (host, port) = split_port(pattern.trim());
    (host.replace('?', instance_id), port)
}

/// `?.<cluster domain>` for names whose domain also hosts the instance endpoints (cluster,
/// reader, custom and instance names); `None` for proxies and other names, where a pattern must
/// be configured.
pub fn default_instance_pattern(host: &str) -> Option<String> {
    let h = classify(host);
    match h.kind {
        RdsHostKind::Instance
        | RdsHostKind::ClusterWriter
        | RdsHostKind::ClusterReader
        | RdsHostKind::Custom => Some(format!("?.{}", h.domain)),
        RdsHostKind::Proxy | RdsHostKind::Other => None,
    }
}

/// Splits a trailing `:port`; the port must be 1..=65535 digits-only, otherwise the whole text
/// is the host.
pub(crate) fn split_port(s: &str) -> (&str, Option<u16>) {
    if let Some((host, port)) = s.rsplit_once(':') {
        if !host.is_empty()
            && !host.contains(':')
            && !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
        {
            if let Ok(p) = port.parse::<u16>() {
                if p != 0 {
                    return (host, Some(p));
                }
            }
        }
    }
    (s, None)
}

/// Lower-cases, strips surrounding whitespace and one root dot; rejects IP literals and names
/// with empty labels or characters DNS names cannot hold.
fn normalize(host: &str) -> Option<String> {
    let trimmed = host.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.is_empty() || trimmed.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let lower = trimmed.to_ascii_lowercase();
    let ok = lower.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    ok.then_some(lower)
}

/// Recognizes the RDS domain at the end of `labels`; returns how many labels it spans and the
/// region. Forms: `<region>.rds.amazonaws.com` (commercial and GovCloud),
/// `rds.<region>.amazonaws.com.cn` and `<region>.rds.amazonaws.com.cn` (China).
fn rds_suffix<'a>(labels: &[&'a str]) -> Option<(usize, &'a str)> {
    let n = labels.len();
    let tail = |k: usize| -> &[&'a str] { &labels[n.saturating_sub(k)..] };
    if n >= 4 {
        if let [r, "rds", "amazonaws", "com"] = tail(4) {
            return is_region(r).then_some((4, *r));
        }
    }
    if n >= 5 {
        match tail(5) {
            ["rds", r, "amazonaws", "com", "cn"] | [r, "rds", "amazonaws", "com", "cn"]
                if is_region(r) =>
            {
                return Some((5, *r));
            }
            _ => {}
        }
    }
    None
}

/// Region names: lower-case words joined by `-`, ending in a number (`us-east-1`,
/// `us-gov-west-1`, `cn-northwest-1`, `ap-southeast-5`).
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let Some((last, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// The account/region hash RDS puts in every endpoint: letters and digits only.
fn is_hash(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// RDS identifiers: start with a letter, letters/digits/hyphens, no trailing hyphen.
fn is_identifier(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(host: &str, kind: RdsHostKind, id: &str, region: Option<&str>, domain: &str) {
        let h = classify(host);
        assert_eq!(h.kind, kind, "{host}");
        assert_eq!(h.cluster_id_or_endpoint_id, id, "{host}");
        assert_eq!(h.region.as_deref(), region, "{host}");
        assert_eq!(h.domain, domain, "{host}");
    }

    const D: &str = "abc123xyz.us-east-1.rds.amazonaws.com";

    #[test]
    fn commercial_forms() {
        let r = Some("us-east-1");
        check(
            &format!("mydb.cluster-{D}"),
            RdsHostKind::ClusterWriter,
            "mydb",
            r,
            D,
        );
        check(
            &format!("mydb.cluster-ro-{D}"),
            RdsHostKind::ClusterReader,
            "mydb",
            r,
            D,
        );
        check(
            &format!("ep-1.cluster-custom-{D}"),
            RdsHostKind::Custom,
            "ep-1",
            r,
            D,
        );
        check(
            &format!("inst-2.{D}"),
            RdsHostKind::Instance,
            "inst-2",
            r,
            D,
        );
        check(&format!("px.proxy-{D}"), RdsHostKind::Proxy, "px", r, D);
        check(
            &format!("ro-ep.endpoint.proxy-{D}"),
            RdsHostKind::Proxy,
            "ro-ep",
            r,
            D,
        );
    }

    #[test]
    fn china_and_govcloud() {
        check(
            "c.cluster-xyz.rds.cn-north-1.amazonaws.com.cn",
            RdsHostKind::ClusterWriter,
            "c",
            Some("cn-north-1"),
            "xyz.rds.cn-north-1.amazonaws.com.cn",
        );
        check(
            "e.cluster-custom-xyz.cn-northwest-1.rds.amazonaws.com.cn",
            RdsHostKind::Custom,
            "e",
            Some("cn-northwest-1"),
            "xyz.cn-northwest-1.rds.amazonaws.com.cn",
        );
        check(
            "c.cluster-ro-xyz.us-gov-west-1.rds.amazonaws.com",
            RdsHostKind::ClusterReader,
            "c",
            Some("us-gov-west-1"),
            "xyz.us-gov-west-1.rds.amazonaws.com",
        );
    }

    #[test]
    fn case_and_root_dot() {
        let h = classify("MyDB.Cluster-Custom-ABC.US-WEST-2.RDS.AMAZONAWS.COM.");
        assert_eq!(h.kind, RdsHostKind::Custom);
        assert_eq!(h.cluster_id_or_endpoint_id, "mydb");
        assert_eq!(h.region.as_deref(), Some("us-west-2"));
        assert_eq!(h.domain, "abc.us-west-2.rds.amazonaws.com");
        assert_eq!(
            classify("  mydb.cluster-abc.us-west-2.rds.amazonaws.com ").kind,
            RdsHostKind::ClusterWriter
        );
    }

    #[test]
    fn not_rds() {
        for host in [
            "",
            ".",
            "127.0.0.1",
            "::1",
            "fe80::1",
            "localhost",
            "db.example.com",
            "mydb.cluster-abc.us-east-1.rds.amazonaws.com..",
            "mydb..cluster-abc.us-east-1.rds.amazonaws.com",
            "rds.amazonaws.com",
            "us-east-1.rds.amazonaws.com",
            "abc.us-east-1.rds.amazonaws.com",
            "cluster-abc.us-east-1.rds.amazonaws.com",
            "mydb.cluster-.us-east-1.rds.amazonaws.com",
            "mydb.cluster-ab_c.us-east-1.rds.amazonaws.com",
            "mydb.cluster-abc.useast1.rds.amazonaws.com",
            "mydb.cluster-abc.us-east-x.rds.amazonaws.com",
            "mydb.cluster-abc.us-east-1.rds.amazonaws.org",
            "mydb.cluster-abc.us-east-1.rds.amazonaws.com.evil.com",
            "a.b.cluster-abc.us-east-1.rds.amazonaws.com",
            "1db.cluster-abc.us-east-1.rds.amazonaws.com",
            "db-.cluster-abc.us-east-1.rds.amazonaws.com",
            "my db.cluster-abc.us-east-1.rds.amazonaws.com",
            "a.endpoint.cluster-abc.us-east-1.rds.amazonaws.com",
        ] {
            let h = classify(host);
            assert_eq!(h.kind, RdsHostKind::Other, "{host:?}");
            assert!(
                h.domain.is_empty() && h.cluster_id_or_endpoint_id.is_empty(),
                "{host:?}"
            );
        }
    }

    #[test]
    fn cluster_inside_other_labels() {
        // `cluster-` in the instance id is just part of the id.
        check(
            &format!("my-cluster-1.{D}"),
            RdsHostKind::Instance,
            "my-cluster-1",
            Some("us-east-1"),
            D,
        );
        // A hash label holding `cluster-` not as a prefix is not an RDS hash.
        let h = classify("mydb.xcluster-abc.us-east-1.rds.amazonaws.com");
        assert_eq!(h.kind, RdsHostKind::Other);
        assert_eq!(h.region.as_deref(), Some("us-east-1"));
        assert_eq!(
            classify("cluster-abc.cluster-abc.example.com").kind,
            RdsHostKind::Other
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(
            custom_endpoint_id(&format!("ep.cluster-custom-{D}")).as_deref(),
            Some("ep")
        );
        assert_eq!(custom_endpoint_id(&format!("ep.cluster-{D}")), None);
        assert_eq!(region(&format!("x.{D}")).as_deref(), Some("us-east-1"));
        assert_eq!(region("10.0.0.1"), None);
        assert_eq!(
            default_instance_pattern(&format!("ep.cluster-custom-{D}")),
            Some(format!("?.{D}"))
        );
        assert_eq!(
            default_instance_pattern(&format!("db.cluster-ro-{D}")),
            Some(format!("?.{D}"))
        );
        assert_eq!(
            default_instance_pattern(&format!("i.{D}")),
            Some(format!("?.{D}"))
        );
        assert_eq!(default_instance_pattern(&format!("p.proxy-{D}")), None);
        assert_eq!(default_instance_pattern("localhost"), None);
        assert!(classify(&format!("db.cluster-ro-{D}")).is_cluster_endpoint());
        assert!(!classify(&format!("i.{D}")).is_cluster_endpoint());
    }

    #[test]
    fn patterns() {
        assert_eq!(
            instance_host("?.abc.example.com", "i1"),
            ("i1.abc.example.com".into(), None)
        );
        assert_eq!(
            instance_host("?.local:5433", "i1"),
            ("i1.local".into(), Some(5433))
        );
        assert_eq!(
            instance_host("sub.?.local:9999", "i-2"),
            ("sub.i-2.local".into(), Some(9999))
        );
        assert_eq!(instance_host("?.local:0", "a"), ("a.local:0".into(), None));
        assert_eq!(
            instance_host("?.local:99999", "a"),
            ("a.local:99999".into(), None)
        );
        assert_eq!(instance_host("?.local:", "a"), ("a.local:".into(), None));
        assert_eq!(instance_host(":5432", "a"), (":5432".into(), None));
        assert_eq!(instance_host("", "a"), (String::new(), None));
    }
    /// Short strings over an alphabet of the characters classification cares about never
    /// panic, and anything classified as RDS keeps its invariants.
    #[test]
    fn exhaustive_small_names() {
        const PARTS: [&str; 8] = [
            ".",
            "-",
            "a",
            "1",
            "cluster-",
            "proxy-",
            "us-east-1.rds.amazonaws.com",
            ":",
        ];
        for a in PARTS {
            for b in PARTS {
                for c in PARTS {
                    for d in PARTS {
                        let host = format!("{a}{b}{c}{d}");
                        let h = classify(&host);
                        if h.kind != RdsHostKind::Other {
                            assert!(
                                !h.cluster_id_or_endpoint_id.is_empty() && !h.domain.is_empty(),
                                "{host}"
                            );
                            assert!(h.region.is_some(), "{host}");
                        }
                        let _ = default_instance_pattern(&host);
                        let _ = instance_host(&host, "x");
                    }
                }
            }
        }
    }
}
