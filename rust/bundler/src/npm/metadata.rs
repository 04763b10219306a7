//! Packuments for one install: each fetched once (then kept in memory, failures included),
//! recorded in the cache, and, offline, read only from the cache. The resolver asks for the
//! names of a whole breadth-first level at once, and those are fetched in parallel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::cache::Cache;
use super::config::{RegistryConfig, redacted};
use super::error::NpmError;
use super::limits::{Budget, Deadline, NpmLimits};
use super::packument::{self, Packument};
use super::parallel;
use super::registry::{Fetched, Registry};

type Loaded = Result<Arc<Packument>, NpmError>;

pub struct Metadata<'a> {
    pub config: &'a RegistryConfig,
    /// `None` offline.
    pub registry: Option<&'a Registry>,
    pub cache: &'a Cache,
    pub limits: &'a NpmLimits,
    pub budget: &'a Budget,
    pub deadline: Deadline,
    /// Requests in flight at once while prefetching.
    pub concurrency: usize,
    seen: HashMap<String, Loaded>,
}

impl<'a> Metadata<'a> {
    pub fn new(
        config: &'a RegistryConfig,
        registry: Option<&'a Registry>,
        cache: &'a Cache,
        limits: &'a NpmLimits,
        budget: &'a Budget,
        deadline: Deadline,
        concurrency: usize,
    ) -> Self {
        Metadata { config, registry, cache, limits, budget, deadline, concurrency, seen: HashMap::new() }
    }

    /// The packument already loaded for `name`, if any.
    pub fn loaded(&self, name: &str) -> Option<&Packument> {
        self.seen.get(name)?.as_deref().ok()
    }

    pub fn get(&mut self, name: &str) -> Loaded {
        if let Some(known) = self.seen.get(name) {
            return known.clone();
        }
        let loaded = self.load(name);
        self.seen.insert(name.to_string(), loaded.clone());
        loaded
    }

    /// Loads every name not yet seen, `concurrency` at a time; `get` then answers from memory.
    pub fn prefetch<'n>(&mut self, names: impl IntoIterator<Item = &'n str>) {
        let mut todo: Vec<&str> = names.into_iter().filter(|n| !self.seen.contains_key(*n)).collect();
        todo.sort_unstable();
        todo.dedup();
        if todo.len() < 2 {
            return;
        }
        let queue = Mutex::new(todo.into_iter());
        let done = Mutex::new(Vec::new());
        let this = &*self;
        let worker = || {
            loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                let Some(name) = next else { return };
                let loaded = this.load(name);
                let mut done = done.lock().unwrap_or_else(|p| p.into_inner());
                done.push((name.to_string(), loaded));
            }
        };
        parallel::run(this.concurrency.max(1), worker);
        let done = done.into_inner().unwrap_or_else(|p| p.into_inner());
        self.seen.extend(done);
    }

    fn load(&self, name: &str) -> Loaded {
        let body = self.body(name)?;
        Ok(Arc::new(packument::parse(name, &body)?))
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
                registry: redacted(self.config.registry_for(name)),
            }),
            Fetched::Body(body) => {
                self.budget.charge(name, body.len() as u64)?;
                self.cache.store_packument(url.as_str(), &body)?;
                Ok(body)
            }
        }
    }
}
