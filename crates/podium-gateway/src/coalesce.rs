//! Read coalescing: identical reads share trips to Redis.
//!
//! Many viewers polling one leaderboard send the same `ZREVRANGE` at the same moment. A
//! command with no twin on its way to Redis is sent at once, as usual. While one is on its
//! way, identical requests board one *flight*, which waits for the twin to land and then sends
//! the command once for all of them. So a hot command has at most two executions going at a
//! time (one in the air, one boarding), however many requests ask for it, and a command
//! nobody repeats (a random player's `ZREVRANK`) pays only for a map entry.
//!
//! Every request in a flight arrived before its command was sent and is answered after the
//! reply came back, so the shared reply is one each of them could have got alone: reads stay
//! linearizable (a write acknowledged before a read arrived is always seen). That is why a
//! flight takes no one once its command has left: a newcomer would get data older than its
//! own request, and boards the next flight instead.
//!
//! Only commands [`crate::policy::is_shareable`] allows are coalesced (deterministic reads), and
//! only single-command requests: a pipeline's commands keep their own order.

use std::hash::Hash;
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared, WeakShared};
use tokio::time::Instant;

use crate::mutex::lock;

/// Every shareable read passes through these maps, several lookups each, so they use a fast
/// hasher; it is seeded per process, so clients cannot aim keys at one bucket.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// One shared execution; every request in it awaits a clone.
pub type Flight<V> = Shared<BoxFuture<'static, V>>;

/// The flights of one connection's runtime, by command.
pub struct Coalescer<K, V: Clone> {
    state: Arc<Mutex<State<K, V>>>,
}

struct State<K, V: Clone> {
    next_id: u64,
    /// Flights still boarding, each waiting for its twin in the air.
    boarding: HashMap<K, FlightRef<V>>,
    /// Commands sent and not yet answered: at most one per key.
    in_the_air: HashMap<K, FlightRef<V>>,
}

/// The maps hold flights weakly: a flight every request has given up on is dropped, and its
/// [`Guard`] takes it off the map, so abandoned requests leave nothing behind.
struct FlightRef<V: Clone> {
    id: u64,
    flight: WeakShared<BoxFuture<'static, V>>,
}

impl<K, V: Clone> Default for Coalescer<K, V> {
    fn default() -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                next_id: 0,
                boarding: HashMap::default(),
                in_the_air: HashMap::default(),
            })),
        }
    }
}

impl<K, V> Coalescer<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Boards the flight for `key`, or starts one that runs `send(key)`: at once when no twin
    /// is in the air, else when the twin has landed or `deadline` has passed, whichever is
    /// first (the first request's deadline, so no request waits past its own). The flag is
    /// true when the request boarded a flight another request started: its answer costs no
    /// trip to Redis of its own.
    pub fn join<F, Fut>(&self, key: K, deadline: Instant, send: F) -> (Flight<V>, bool)
    where
        F: FnOnce(K) -> Fut + Send + 'static,
        Fut: Future<Output = V> + Send + 'static,
    {
        let mut state = lock(&self.state);
        if let Some(flight) = state
            .boarding
            .get(&key)
            .and_then(|entry| entry.flight.upgrade())
        {
            return (flight, true);
        }
        let twin = state
            .in_the_air
            .get(&key)
            .and_then(|entry| entry.flight.upgrade());
        let boards = twin.is_some();
        let id = state.next_id;
        state.next_id += 1;
        let mut guard = Guard {
            state: self.state.clone(),
            key: key.clone(),
            id,
            boarding: boards,
        };
        let flight = async move {
            if let Some(twin) = twin {
                let _ = tokio::time::timeout_at(deadline, twin).await;
                guard.take_off();
            }
            let key = guard.key.clone();
            let reply = send(key).await;
            drop(guard);
            reply
        }
        .boxed()
        .shared();
        let entry = FlightRef {
            id,
            flight: flight.downgrade().expect("a new flight has not finished"),
        };
        if boards {
            state.boarding.insert(key, entry);
        } else {
            state.in_the_air.insert(key, entry);
        }
        (flight, false)
    }

    /// Flights still boarding, and commands in the air.
    #[cfg(test)]
    pub fn counts(&self) -> (usize, usize) {
        let state = lock(&self.state);
        (state.boarding.len(), state.in_the_air.len())
    }
}

/// A flight's place in the maps: moved from boarding to the air when it sends, and removed
/// when it lands or is dropped. Only its own entry is touched (checked by id).
struct Guard<K: Hash + Eq, V: Clone> {
    state: Arc<Mutex<State<K, V>>>,
    key: K,
    id: u64,
    boarding: bool,
}

impl<K: Hash + Eq + Clone, V: Clone> Guard<K, V> {
    fn take_off(&mut self) {
        let mut state = lock(&self.state);
        let mine = state
            .boarding
            .get(&self.key)
            .is_some_and(|entry| entry.id == self.id);
        if let Some(entry) = mine.then(|| state.boarding.remove(&self.key)).flatten() {
            state.in_the_air.insert(self.key.clone(), entry);
        }
        self.boarding = false;
    }
}

impl<K: Hash + Eq, V: Clone> Drop for Guard<K, V> {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        let map = if self.boarding {
            &mut state.boarding
        } else {
            &mut state.in_the_air
        };
        if map.get(&self.key).is_some_and(|entry| entry.id == self.id) {
            map.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    use tokio::sync::oneshot;

    type Send = Box<dyn FnOnce(&'static str) -> BoxFuture<'static, usize> + std::marker::Send>;

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    /// A send that answers how many sends had run when it ran.
    fn counting(sends: &Arc<AtomicUsize>) -> Send {
        let sends = sends.clone();
        Box::new(move |_| async move { sends.fetch_add(1, Ordering::SeqCst) + 1 }.boxed())
    }

    /// A send that reports when it has left and answers `reply` once released.
    fn held(reply: usize) -> (Send, oneshot::Receiver<()>, oneshot::Sender<()>) {
        let (left_tx, left_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel::<()>();
        let send: Send = Box::new(move |_| {
            async move {
                let _ = left_tx.send(());
                let _ = release_rx.await;
                reply
            }
            .boxed()
        });
        (send, left_rx, release_tx)
    }

    /// Starts a held command for `key` and waits until it is in the air.
    async fn in_the_air(
        coalescer: &Coalescer<&'static str, usize>,
        key: &'static str,
        reply: usize,
    ) -> (tokio::task::JoinHandle<usize>, oneshot::Sender<()>) {
        let (send, left, release) = held(reply);
        let task = tokio::spawn(coalescer.join(key, later(), send).0);
        left.await.unwrap();
        (task, release)
    }

    #[tokio::test]
    async fn a_command_with_no_twin_in_the_air_is_sent_at_once() {
        let coalescer = Coalescer::default();
        let sends = Arc::new(AtomicUsize::new(0));
        for expected in 1..=3 {
            assert_eq!(
                coalescer.join("rank", later(), counting(&sends)).0.await,
                expected
            );
        }
        assert_eq!(coalescer.counts(), (0, 0), "nothing is left behind");
    }

    #[tokio::test]
    async fn requests_arriving_while_a_twin_is_in_the_air_share_the_next_send() {
        let coalescer = Coalescer::default();
        let (first, release) = in_the_air(&coalescer, "top", 100).await;
        let sends = Arc::new(AtomicUsize::new(0));
        let joined: Vec<_> = (0..5)
            .map(|_| coalescer.join("top", later(), counting(&sends)))
            .collect();
        let boarded: Vec<bool> = joined.iter().map(|(_, boarded)| *boarded).collect();
        assert_eq!(
            boarded,
            [false, true, true, true, true],
            "the first starts the flight, the rest board it"
        );
        let flights: Vec<_> = joined
            .into_iter()
            .map(|(flight, _)| tokio::spawn(flight))
            .collect();
        tokio::task::yield_now().await;
        assert_eq!(
            coalescer.counts(),
            (1, 1),
            "one flight boards behind the twin"
        );
        assert_eq!(
            sends.load(Ordering::SeqCst),
            0,
            "nothing sent before the twin landed"
        );
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), 100);
        for flight in flights {
            assert_eq!(flight.await.unwrap(), 1);
        }
        assert_eq!(sends.load(Ordering::SeqCst), 1);
        assert_eq!(coalescer.counts(), (0, 0));
    }

    #[tokio::test]
    async fn a_flight_takes_no_one_after_its_command_left() {
        let coalescer = Coalescer::default();
        let (first, release_first) = in_the_air(&coalescer, "top", 1).await;
        // The second boards behind the first; once the first lands it sends and is held.
        let (second, second_left, release_second) = held(2);
        let second = tokio::spawn(coalescer.join("top", later(), second).0);
        tokio::task::yield_now().await;
        release_first.send(()).unwrap();
        assert_eq!(first.await.unwrap(), 1);
        second_left.await.unwrap();
        assert_eq!(
            coalescer.counts(),
            (0, 1),
            "the second flight is in the air"
        );
        // A third request boards a new flight: it does not get the second's older reply.
        let sends = Arc::new(AtomicUsize::new(0));
        let third = tokio::spawn(coalescer.join("top", later(), counting(&sends)).0);
        tokio::task::yield_now().await;
        assert_eq!(coalescer.counts(), (1, 1));
        release_second.send(()).unwrap();
        assert_eq!(second.await.unwrap(), 2);
        assert_eq!(third.await.unwrap(), 1);
        assert_eq!(sends.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn different_commands_fly_separately() {
        let coalescer = Coalescer::default();
        let (first, release) = in_the_air(&coalescer, "a", 0).await;
        let sends = Arc::new(AtomicUsize::new(0));
        // "b" has no twin in the air and is not held up by "a".
        assert_eq!(coalescer.join("b", later(), counting(&sends)).0.await, 1);
        release.send(()).unwrap();
        first.await.unwrap();
    }

    #[tokio::test]
    async fn a_boarding_flight_sends_at_its_deadline_if_the_twin_has_not_landed() {
        let coalescer = Coalescer::default();
        let (first, release) = in_the_air(&coalescer, "top", 0).await;
        let sends = Arc::new(AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_millis(20);
        assert_eq!(coalescer.join("top", deadline, counting(&sends)).0.await, 1);
        release.send(()).unwrap();
        first.await.unwrap();
        assert_eq!(coalescer.counts(), (0, 0));
    }

    #[tokio::test]
    async fn abandoned_requests_leave_nothing_behind() {
        let coalescer = Coalescer::default();
        let (first, _release) = in_the_air(&coalescer, "top", 0).await;
        let sends = Arc::new(AtomicUsize::new(0));
        let boarding = tokio::spawn(coalescer.join("top", later(), counting(&sends)).0);
        tokio::task::yield_now().await;
        assert_eq!(coalescer.counts(), (1, 1));
        boarding.abort();
        first.abort();
        let _ = (boarding.await, first.await);
        assert_eq!(coalescer.counts(), (0, 0));
        assert_eq!(sends.load(Ordering::SeqCst), 0);
        // The next request finds no twin and is sent at once.
        assert_eq!(coalescer.join("top", later(), counting(&sends)).0.await, 1);
    }
}
