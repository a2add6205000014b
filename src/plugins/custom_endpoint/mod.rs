//! The custom endpoint plugin (code `custom_endpoint`): keeps a connection made through an RDS
//! custom cluster endpoint on the endpoint's members.
//!
//! DNS alone does not guarantee that: a custom endpoint's DNS answer lags membership changes,
//! and failover connects to instances directly. So the plugin reads the
//! members from the RDS API (through a shared [`monitor`]), checks the instance every new
//! physical connection through the endpoint lands on, moves it to a member when it is not one,
//! and hands host selection a filter that reads the members as they are now.
//!
//! On any other host name the plugin is inert.

pub mod monitor;
pub mod rds;
pub mod settings;

use crate::engine::availability;
use crate::engine::error::{EngineError, EngineResult, ErrorClass};
use crate::engine::hostname::{self, RdsHostKind};
use crate::engine::pipeline::{CallKind, ConnectRequest, EngineConnection, Plugin};
use crate::engine::plugin_registry::PluginSpec;
use crate::engine::selection::HostFilter;
use crate::engine::session::Session;
use crate::engine::settings::{Key as EngineKey, Settings};
use crate::engine::topology::{self, HostPattern, Instance, Topology};
use monitor::{ApiMaker, Monitor, MonitorConfig, MonitorKey};
use parking_lot::Mutex;
use rds::{ApiTarget, EndpointInfo};
use settings::Key;
use std::sync::Arc;
use std::time::Duration;

/// The plugin's code in the `plugins` key.
pub const CODE: &str = "custom_endpoint";

/// A host marked unavailable within this long is skipped when choosing a member to move to; an
/// older mark may be out of date, and a connect attempt will tell.
const UNAVAILABLE_FOR: Duration = Duration::from_secs(60);

/// A custom endpoint host name, as far as the name tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointName {
    /// Lower case.
    pub endpoint_id: String,
    /// From the RDS domain of the name; `None` for names whose domain is not an RDS one.
    pub region: Option<String>,
}

/// Recognises a custom endpoint name: `<id>.cluster-custom-<hash>.<region>.rds.amazonaws.com`
/// and the China and GovCloud forms (any case). A name of that shape under a domain that is not
/// RDS's (a private DNS alias, say) is recognised too, without a region: the caller then needs
/// `custom_endpoint_region`.
pub fn recognise(host: &str) -> Option<EndpointName> {
    let rds = hostname::classify(host);
    if rds.kind == RdsHostKind::Custom {
        return Some(EndpointName {
            endpoint_id: rds.cluster_id_or_endpoint_id,
            region: rds.region,
        });
    }
    let name = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let mut labels = name.split('.');
    let (Some(id), Some(second), Some(_)) = (labels.next(), labels.next(), labels.next()) else {
        return None;
    };
    let hash = second.strip_prefix("cluster-custom-")?;
    let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (plain(id) && plain(hash)).then(|| EndpointName {
        endpoint_id: id.to_string(),
        region: rds.region,
    })
}

/// What the plugin needs to act on one custom endpoint.
#[derive(Clone)]
struct Target {
    /// The endpoint's host name as written in Server, lower case, without a root dot.
    host: String,
    key: MonitorKey,
    /// The wait limit when `wait_for_custom_endpoint_info` is on.
    wait: Option<Duration>,
    maker: ApiMaker,
}

impl Target {
    fn from_settings(settings: &Settings, maker: ApiMaker) -> EngineResult<Option<Target>> {
        let Some(server) = settings.get_str(EngineKey::Server) else {
            return Ok(None);
        };
        let Some(name) = recognise(server) else {
            return Ok(None);
        };
        let region = match settings.get_str(Key::CustomEndpointRegion).map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => r.to_ascii_lowercase(),
            None => name.region.clone().ok_or_else(|| {
                EngineError::connect(format!(
                    "cannot tell the AWS region of custom endpoint '{server}' from its name: set custom_endpoint_region"
                ))
            })?,
        };
        let text = |k: Key| {
            settings
                .get_str(k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let target = ApiTarget {
            region,
            endpoint_url: text(Key::RdsEndpointUrl),
            profile: text(Key::AwsProfile),
        };
        let config = MonitorConfig {
            refresh: settings.get_duration(Key::CustomEndpointInfoRefreshRateMs),
            max_refresh: settings.get_duration(Key::CustomEndpointMaxRefreshRateMs),
            backoff_factor: u32::try_from(
                settings.get_u64(Key::CustomEndpointRefreshBackoffFactor),
            )
            .unwrap_or(2)
            .max(1),
            idle_expiry: settings.get_duration(Key::CustomEndpointIdleMonitorExpirationMs),
        };
        let wait = settings
            .get_bool(Key::WaitForCustomEndpointInfo)
            .then(|| settings.get_duration(Key::WaitForCustomEndpointInfoTimeoutMs));
        Ok(Some(Target {
            host: server.trim().trim_end_matches('.').to_ascii_lowercase(),
            key: MonitorKey {
                endpoint_id: name.endpoint_id,
                target,
                config,
            },
            wait,
            maker,
        }))
    }

    fn is_endpoint_host(&self, host: &str) -> bool {
        host.trim()
            .trim_end_matches('.')
            .eq_ignore_ascii_case(&self.host)
    }

    fn monitor(&self) -> EngineResult<Arc<Monitor>> {
        monitor::obtain(&self.key, &self.maker)
    }
}

/// The plugin of one connection.
pub struct CustomEndpointPlugin {
    /// `None`: the Server is not a custom endpoint and the plugin does nothing.
    target: Option<Target>,
    /// The members this connection last saw: what its host filter uses if the monitor has
    /// none (restarted after idle expiry and not answered yet).
    seen: Arc<Mutex<Option<Arc<EndpointInfo>>>>,
    /// The instance the last connect landed on, handed to the connection in `connected`.
    landed: Mutex<Option<String>>,
}

/// The factory registered under [`CODE`].
pub fn factory(settings: &Arc<Settings>) -> EngineResult<Option<Box<dyn Plugin>>> {
    Ok(Some(Box::new(CustomEndpointPlugin::new(
        settings,
        monitor::sdk_maker(),
    )?)))
}

/// The plugin as the engine's registry sees it. Outermost: it decides which instances every
/// other plugin may use.
pub const SPEC: PluginSpec = PluginSpec {
    code: CODE,
    weight: 100,
    default_chain: false,
    factory,
    keys: Some(&settings::SECTION),
    release: None,
    credentials: None,
    rds_auth_type: None,
};

impl CustomEndpointPlugin {
    /// Builds the plugin with `maker` providing the RDS API client of new monitors.
    pub fn new(settings: &Settings, maker: ApiMaker) -> EngineResult<CustomEndpointPlugin> {
        Ok(CustomEndpointPlugin {
            target: Target::from_settings(settings, maker)?,
            seen: Arc::default(),
            landed: Mutex::new(None),
        })
    }

    /// Whether the Server is a custom endpoint, i.e. the plugin acts.
    pub fn is_active(&self) -> bool {
        self.target.is_some()
    }

    /// The monitor key the plugin uses (tests).
    pub fn monitor_key(&self) -> Option<&MonitorKey> {
        self.target.as_ref().map(|t| &t.key)
    }

    /// The members at connect: waited for when configured, otherwise whatever is known.
    fn info_for_connect(&self, t: &Target) -> EngineResult<Option<Arc<EndpointInfo>>> {
        let monitor = t.monitor()?;
        let info = match t.wait {
            Some(limit) => Some(
                monitor
                    .wait_for_info(limit)
                    .map_err(|f| EngineError::connect(f.describe(&t.key.endpoint_id)))?,
            ),
            None => monitor.current(),
        };
        if let Some(i) = &info {
            *self.seen.lock() = Some(i.clone());
        }
        Ok(info)
    }

    /// The freshest members: the monitor's, else those seen at connect.
    fn current_info(&self, t: &Target) -> Option<Arc<EndpointInfo>> {
        let fresh = t.monitor().ok().and_then(|m| m.current());
        match fresh {
            Some(i) => {
                *self.seen.lock() = Some(i.clone());
                Some(i)
            }
            None => self.seen.lock().clone(),
        }
    }

    /// Checks the instance `session` landed on; keeps the session when it is allowed,
    /// otherwise connects to an allowed instance instead.
    fn enforce(
        &self,
        t: &Target,
        info: Arc<EndpointInfo>,
        mut session: Session,
        request: &ConnectRequest,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> EngineResult<Session> {
        let id = match topology::query_instance_id(&mut session) {
            Ok(id) => id,
            Err(e) if e.is_communication() => return Err(e),
            Err(e) => {
                // Not Aurora (plain PostgreSQL behind the name): nothing to check against.
                tracing::warn!(endpoint = %t.key.endpoint_id, error = %e, "cannot tell which instance the custom endpoint reached; membership not checked");
                return Ok(session);
            }
        };
        if info.allows(&id, false) && !info.needs_role() {
            *self.landed.lock() = Some(id);
            return Ok(session);
        }
        let topo = topology::query_topology(&mut session).map_err(|e| {
            EngineError::connect(format!(
                "custom endpoint '{}' reached instance '{id}' and cannot check its membership: reading the topology failed: {e}",
                t.key.endpoint_id
            ))
        })?;
        let is_writer = topo
            .writer_id()
            .is_some_and(|w| w.eq_ignore_ascii_case(&id));
        if info.allows(&id, is_writer) {
            *self.landed.lock() = Some(id);
            return Ok(session);
        }
        tracing::info!(endpoint = %t.key.endpoint_id, instance = %id, "custom endpoint reached a non-member; moving to a member");
        // The freshest members decide where to go; the session is closed before connecting on.
        let info = self.current_info(t).unwrap_or(info);
        drop(session);
        self.connect_to_member(t, &info, &topo, &id, request, next)
    }

    fn connect_to_member(
        &self,
        t: &Target,
        info: &EndpointInfo,
        topo: &Topology,
        rejected: &str,
        request: &ConnectRequest,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> EngineResult<Session> {
        let pattern = HostPattern::for_connection(&request.settings, &request.options.host).ok_or_else(|| {
            EngineError::connect(format!(
                "custom endpoint '{}' reached instance '{rejected}', which is not a member, and no instance host names are known: set cluster_instance_host_pattern",
                t.key.endpoint_id
            ))
        })?;
        let mut candidates = members_of(info, topo);
        candidates.retain(|id| !id.eq_ignore_ascii_case(rejected));
        shuffle(&mut candidates);
        // Hosts recently found down go last rather than being dropped: better a slow attempt
        // than no attempt.
        candidates.sort_by_key(|id| {
            let opts = pattern.instance_options(id, &request.options, &request.settings);
            availability::is_unavailable(
                &availability::host_key(&opts.host, opts.port),
                UNAVAILABLE_FOR,
            )
        });
        let mut attempts = Vec::new();
        for id in &candidates {
            let options = pattern.instance_options(id, &request.options, &request.settings);
            let key = availability::host_key(&options.host, options.port);
            let attempt = ConnectRequest {
                options,
                settings: request.settings.clone(),
                purpose: request.purpose,
            };
            match next(&attempt) {
                Ok(mut session) => match topology::query_instance_id(&mut session) {
                    Ok(actual) if actual.eq_ignore_ascii_case(id) => {
                        *self.landed.lock() = Some(actual);
                        return Ok(session);
                    }
                    Ok(actual) => attempts.push(format!("{id}: the host name reached instance '{actual}' instead (check cluster_instance_host_pattern)")),
                    Err(e) => attempts.push(format!("{id}: {e}")),
                },
                Err(e) => {
                    if e.class == ErrorClass::Connect {
                        availability::mark(&key, availability::Availability::Unavailable);
                    }
                    attempts.push(format!("{id}: {e}"));
                }
            }
        }
        let mut err = EngineError::connect(if candidates.is_empty() {
            format!(
                "custom endpoint '{}' reached instance '{rejected}', which is not a member, and the topology lists no other member",
                t.key.endpoint_id
            )
        } else {
            format!(
                "custom endpoint '{}' reached instance '{rejected}', which is not a member, and no member could be reached instead",
                t.key.endpoint_id
            )
        });
        err.attempts = attempts;
        Err(err)
    }

    /// A filter reading the monitor's members at each selection, so that a membership change
    /// reaches failover within one refresh period.
    fn host_filter(&self, t: &Target) -> HostFilter {
        let target = t.clone();
        let seen = self.seen.clone();
        HostFilter::new(move |instance: &Instance| {
            let fresh = target.monitor().ok().and_then(|m| m.current());
            let info = match fresh {
                Some(i) => {
                    *seen.lock() = Some(i.clone());
                    Some(i)
                }
                None => seen.lock().clone(),
            };
            // Never any info (waiting off and the API silent): DNS decides, as without the plugin.
            info.is_none_or(|i| i.allows(&instance.id, instance.is_writer))
        })
    }
}

/// The instances of `topo` that `info` allows, writer included where allowed.
fn members_of(info: &EndpointInfo, topo: &Topology) -> Vec<String> {
    topo.writer
        .iter()
        .chain(topo.readers.iter())
        .filter(|i| info.allows(&i.id, i.is_writer))
        .map(|i| i.id.clone())
        .collect()
}

/// Spreads connections over the members like the endpoint's DNS would.
fn shuffle(items: &mut [String]) {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    for i in (1..items.len()).rev() {
        let mut h = state.build_hasher();
        h.write_usize(i);
        let j = usize::try_from(h.finish() % (i as u64 + 1)).unwrap_or(0);
        items.swap(i, j);
    }
}

impl Plugin for CustomEndpointPlugin {
    fn code(&self) -> &'static str {
        CODE
    }

    fn connect(
        &self,
        request: &ConnectRequest,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> EngineResult<Session> {
        let Some(t) = &self.target else {
            return next(request);
        };
        // Connections straight to an instance (failover) were chosen
        // through the host filter already.
        if !t.is_endpoint_host(&request.options.host) {
            return next(request);
        }
        let info = self.info_for_connect(t)?;
        let session = next(request)?;
        match info {
            Some(info) => self.enforce(t, info, session, request, next),
            None => {
                tracing::debug!(endpoint = %t.key.endpoint_id, "no custom endpoint info yet; membership not checked");
                Ok(session)
            }
        }
    }

    fn connected(&self, conn: &mut EngineConnection) -> EngineResult<()> {
        let Some(t) = &self.target else {
            return Ok(());
        };
        if let Some(id) = self.landed.lock().take() {
            conn.instance_id.get_or_insert(id);
        }
        conn.host_filter = self.host_filter(t);
        Ok(())
    }

    fn around_call(
        &self,
        conn: &mut EngineConnection,
        kind: CallKind,
        next: &mut dyn FnMut(&mut EngineConnection) -> EngineResult<()>,
    ) -> EngineResult<()> {
        let _ = kind;
        if let Some(t) = &self.target {
            // Every call is a use of the monitor (and restarts one that expired).
            let monitor = t
                .monitor()
                .map_err(|e| EngineError::new(ErrorClass::Internal, "HY000", e.message))?;
            if let Some(limit) = t.wait {
                let info = monitor
                    .wait_for_info(limit)
                    .map_err(|f| EngineError::timeout(f.describe(&t.key.endpoint_id)))?;
                *self.seen.lock() = Some(info);
            }
        }
        next(conn)
    }
}

#[cfg(test)]
mod tests;
