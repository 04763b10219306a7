//! Packuments for one install: each fetched once (then kept in memory), recorded in the cache,
//! and, offline, read only from the cache.

use std::collections::HashMap;
use std::sync::Arc;

use super::cache::Cache;
use super::config::RegistryConfig;
use super::error::NpmError;
use super::limits::{Budget, Deadline, NpmLimits};
use super::packument::{self, Packument};
use super::registry::{Fetched, Registry};

pub struct Metadata<'a> {
    pub config: &'a RegistryConfig,
    /// `None` offline.
    pub registry: Option<&'a Registry>,
    pub cache: &'a Cache,
    pub limits: &'a NpmLimits,
    pub budget: &'a Budget,
    pub deadline: Deadline,
    seen: HashMap<String, Arc<Packument>>,
}

impl<'a> Metadata<'a> {
    pub fn new(
        config: &'a RegistryConfig,
        registry: Option<&'a Registry>,
        cache: &'a Cache,
        limits: &'a NpmLimits,
        budget: &'a Budget,
        deadline: Deadline,
    ) -> Self {
        Metadata { config, registry, cache, limits, budget, deadline, seen: HashMap::new() }
    }

    /// The packument already loaded for `name`, if any.
    pub fn loaded(&self, name: &str) -> Option<&Packument> {
        self.seen.get(name).map(Arc::as_ref)
    }

    pub fn get(&mut self, name: &str) -> Result<Arc<Packument>, NpmError> {
        if let Some(known) = self.seen.get(name) {
            return Ok(known.clone());
        }
        let body = self.body(name)?;
        let parsed = Arc::new(packument::parse(name, &body)?);
        self.seen.insert(name.to_string(), parsed.clone());
        Ok(parsed)
    }

    fn body(&self, name: &str) -> Result<Vec<u8>, NpmError> {
        let url = self.config.packument_url(name)?;
        let Some(registry) = self.registry else {
            return self
                .cache
                .packument(url.as_str())
                .ok_or_else(|| NpmError::OfflineMiss { package: name.to_string() });
        };
        let accept = Some(Registry::packument_accept());
        let max = self.limits.max_packument_bytes;
        match registry.get(name, &url, accept, max, &self.deadline)? {
            Fetched::NotFound => Err(NpmError::NotFound {
                package: name.to_string(),
                registry: self.config.registry_for(name).to_string(),
            }),
            Fetched::Body(body) => {
                self.budget.charge(name, body.len() as u64)?;
                self.cache.store_packument(url.as_str(), &body)?;
                Ok(body)
            }
        }
    }
}
