//! The memory guard: a run whose estimated peak ([`pinn_run::memory`]) exceeds the memory
//! this machine has available (the smaller of the system's and the container's) is refused
//! before anything is allocated.

use pinn_run::Config;
use sysinfo::System;

/// `Ok` when `config`'s run fits in the available memory (or when the system does not say).
pub fn check(config: &Config) -> Result<(), String> {
    let Ok(mut system) = System::new() else {
        return Ok(());
    };
    system.refresh_memory();
    let mut available = system.available_memory();
    if let Some(limits) = system.cgroup_limits() {
        available = available.min(limits.free_memory);
    }
    pinn_run::memory::estimate(config, available as f64)?.fits(available as f64)
}
