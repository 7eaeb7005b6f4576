//! Locking the gateway's few mutexes (the coalescer's flights, the backend's batch).

use std::sync::{Mutex, MutexGuard, PoisonError};

/// The state behind `mutex`, also after a panic elsewhere: every holder leaves it consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
