//! A local stand-in for an Amazon Aurora PostgreSQL cluster, built from real parts.
//!
//! Integration tests include it with `mod support;`; the `auroraodbc-standin` binary includes the
//! same files through a `#[path]` attribute, so the harness only uses normal `[dependencies]`.
//!
//! - [`Cluster`]: a writer and streaming replicas of real PostgreSQL 15, each behind a
//!   [`FaultProxy`], with Aurora's metadata functions stood in (see `aurora_sql.rs`).
//! - [`RdsStub`]: the RDS query-protocol actions for custom cluster endpoints.
//! - [`SecretsStub`]: Secrets Manager's GetSecretValue, with errors, rotation and a request log.
//! - IAM database authentication ([`IamSettings`] in [`ClusterOptions`]): a TLS proxy per
//!   instance that checks RDS IAM auth tokens (see `iam_proxy.rs`).
//!
//! Everything binds to 127.0.0.1 on free ports, so tests may run in parallel, and every process,
//! socket and directory is released on drop, also when a test panics.

// Each test binary uses a different part of the harness; unused parts are not mistakes.
#![allow(dead_code, unused_imports)]

mod aurora_sql;
mod cluster;
mod error;
mod http;
mod iam_proxy;
mod ports;
mod process;
mod proxy;
mod rds_stub;
mod secrets_stub;

pub use cluster::{Cluster, ClusterOptions, InstanceInfo, Role, RowUpdate, TopologyRow};
pub use error::{Error, Result};
pub use iam_proxy::{verify_token, IamGate, IamLogin, IamSettings, SignedHosts};
pub use proxy::{FaultMode, FaultProxy};
pub use rds_stub::{
    CustomEndpoint, CustomEndpointType, RdsStub, Repeat, RequestRecord, StubFault, StubOptions,
};
pub use secrets_stub::{SecretFault, SecretsRequest, SecretsStub};

/// The login role the driver under test uses; it authenticates with SCRAM-SHA-256.
pub const TEST_USER: &str = "auroraodbc";
/// Password of [`TEST_USER`].
pub const TEST_PASSWORD: &str = "auroraodbc-secret";
/// Database owned by [`TEST_USER`]; it carries the Aurora stand-in objects too.
pub const TEST_DATABASE: &str = "auroraodbc";
