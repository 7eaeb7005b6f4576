//! The poll loop: one [`Controller`] per widget asks the API, remembers ETags and ranks between
//! polls, backs off on failure, and writes what changed into the [`Signals`].

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Context;

use leptos::prelude::*;

use crate::format::{self, NumberFormat};
use crate::model::{BoardPage, Entry, Options, RankMemory, backoff_ms};
use crate::signals::{Row, Signals, Status};
use crate::timer::Alarm;
use crate::transport::{LocalFuture, Reply, Transport};

/// What the poll loop remembers between polls.
#[derive(Default)]
struct PollState {
    top_etag: Option<String>,
    around_etag: Option<String>,
    top_entries: Vec<Entry>,
    top_rows: Vec<Row>,
    pinned_rows: Vec<Row>,
    memory: RankMemory,
    /// The board the period list was fetched for (endpoint, board).
    boards_loaded_for: Option<(String, String)>,
    viewer_rank: Option<u64>,
    failures: u32,
    numbers: NumberFormat,
}

/// Polls the API for one widget and feeds its [`Signals`].
pub(crate) struct Controller {
    transport: Rc<dyn Transport>,
    signals: Signals,
    state: RefCell<PollState>,
    alarm: Alarm,
    stopped: Cell<bool>,
    generation: Cell<u64>,
}

/// Why a poll did not produce a board.
enum PollError {
    /// No answer, an unexpected status or an unreadable body: retry with backoff.
    Failed,
    /// The options changed while the poll was in flight: its answer is for the old ones.
    Stale,
}

impl Controller {
    pub(crate) fn new(transport: Rc<dyn Transport>, signals: Signals) -> Self {
        Self {
            transport,
            signals,
            state: RefCell::default(),
            alarm: Alarm::default(),
            stopped: Cell::new(false),
            generation: Cell::new(0),
        }
    }

    /// The state the view reads.
    pub(crate) fn signals(&self) -> Signals {
        self.signals
    }

    /// Sends the first requests at once, then leaves the loop to Leptos' executor: `run` is
    /// polled once here, and again by the executor with a real waker.
    pub(crate) fn start(self: &Rc<Self>) {
        let mut run: Pin<Box<dyn Future<Output = ()>>> = Box::pin(self.clone().run());
        let mut first = Context::from_waker(futures::task::noop_waker_ref());
        if run.as_mut().poll(&mut first).is_pending() {
            leptos::task::spawn_local(run);
        }
    }

    pub(crate) fn options(&self) -> Options {
        self.signals.options.get_untracked()
    }

    /// New options from the page: refetch everything at once (a 200, re-rendered).
    pub(crate) fn set_options(&self, options: Options) {
        let before = self.options();
        if before == options || self.stopped.get() {
            return;
        }
        {
            let mut state = self.state.borrow_mut();
            state.top_etag = None;
            state.around_etag = None;
            state.failures = 0;
            if before.endpoint != options.endpoint
                || before.board != options.board
                || before.period != options.period
            {
                state.memory.clear();
                state.viewer_rank = None;
            }
            if before.endpoint != options.endpoint || before.board != options.board {
                state.boards_loaded_for = None;
            }
        }
        self.signals.more.set(Vec::new());
        self.signals.more_cursor.set(None);
        self.generation.set(self.generation.get() + 1);
        self.signals.options.set(options);
        self.alarm.wake();
    }

    pub(crate) fn select_period(&self, period: String) {
        let mut options = self.options();
        options.period = Some(period);
        self.set_options(options);
    }

    pub(crate) fn stop(&self) {
        self.stopped.set(true);
        self.generation.set(self.generation.get() + 1);
        self.alarm.wake();
    }

    /// Page visibility changed: hidden pauses after the current poll, visible polls at once.
    pub(crate) fn visibility_changed(&self) {
        if !document_hidden() {
            self.alarm.wake();
        }
    }

    async fn run(self: Rc<Self>) {
        loop {
            if self.stopped.get() {
                return;
            }
            if document_hidden() {
                self.alarm.sleep(None).await;
                continue;
            }
            let options = self.options();
            if !options.is_complete() {
                self.signals.status.set(Status::Idle);
                self.alarm.sleep(None).await;
                continue;
            }
            let delay = match self.poll(&options).await {
                Ok(()) => {
                    self.state.borrow_mut().failures = 0;
                    if self.signals.status.get_untracked() != Status::Live {
                        self.signals.status.set(Status::Live);
                    }
                    options.interval_ms
                }
                Err(PollError::Stale) => continue,
                Err(PollError::Failed) => {
                    if self.stopped.get() {
                        return;
                    }
                    let failures = {
                        let mut state = self.state.borrow_mut();
                        state.failures += 1;
                        state.failures
                    };
                    if self.signals.status.get_untracked() != Status::Reconnecting {
                        self.signals.status.set(Status::Reconnecting);
                    }
                    backoff_ms(options.interval_ms, failures, js_sys::Math::random())
                }
            };
            if self.stopped.get() {
                return;
            }
            self.alarm.sleep(Some(delay)).await;
        }
    }

    async fn get(&self, url: String, etag: Option<String>) -> Result<Reply, PollError> {
        let generation = self.generation.get();
        let reply: LocalFuture<_> = self.transport.get(&url, etag.as_deref());
        let reply = reply.await.map_err(|_| PollError::Failed);
        if self.generation.get() != generation {
            return Err(PollError::Stale);
        }
        reply
    }

    /// One poll: the period list once per board, the top N, and the viewer's neighbourhood when
    /// they are outside it. The requests go out together (one round trip, not three, before the
    /// first paint): the neighbourhood is asked for whenever the last top did not hold the viewer,
    /// and dropped when the new one does. Signals are written only when an answer changed something.
    async fn poll(&self, options: &Options) -> Result<(), PollError> {
        let board_key = (options.endpoint.clone(), options.board.clone());
        let (need_boards, top_etag, around_etag, viewer_was_in_top) = {
            let state = self.state.borrow();
            (
                state.boards_loaded_for.as_ref() != Some(&board_key),
                state.top_etag.clone(),
                state.around_etag.clone(),
                viewer_in(options, &state.top_entries),
            )
        };
        let around_url = options.around_url().filter(|_| !viewer_was_in_top);
        let (boards, top, around) = futures::future::join3(
            async {
                if need_boards {
                    Some(self.get(options.boards_url(), None).await)
                } else {
                    None
                }
            },
            self.get(options.top_url(), top_etag),
            async {
                match around_url {
                    Some(url) => Some(self.get(url, around_etag).await),
                    None => None,
                }
            },
        )
        .await;
        if [&boards, &around]
            .iter()
            .any(|reply| matches!(reply, Some(Err(PollError::Stale))))
        {
            return Err(PollError::Stale);
        }

        if let Some(reply) = boards {
            let reply = reply?;
            if reply.status == 200
                && let Some(list) = crate::json::board_list(&reply.body)
            {
                let info = list.boards.into_iter().find(|b| b.id == options.board);
                self.signals
                    .board_title
                    .set(info.as_ref().and_then(|b| b.title.clone()));
                self.signals
                    .periods
                    .set(info.map(|b| b.periods).unwrap_or_default());
                self.state.borrow_mut().boards_loaded_for = Some(board_key);
            }
        }

        let reply = top?;
        let mut changed = false;
        match reply.status {
            304 => {}
            200 => {
                let page: BoardPage =
                    crate::json::board_page(&reply.body).ok_or(PollError::Failed)?;
                let mut state = self.state.borrow_mut();
                state.top_etag = reply.etag;
                let movements = state.memory.observe(&page.entries);
                state.top_rows =
                    format::rows(&mut state.numbers, options, &page.entries, &movements);
                state.top_entries = page.entries;
                drop(state);
                self.after_top(page.next);
                self.signals.active_period.set(Some(page.period.period));
                self.signals.resets_at.set(page.resets_at);
                changed = true;
            }
            _ => return Err(PollError::Failed),
        }

        let viewer_outside =
            options.player.is_some() && !viewer_in(options, &self.state.borrow().top_entries);
        if viewer_outside {
            let reply = match around {
                Some(reply) => reply?,
                // The viewer just dropped out of the top: ask now.
                None => {
                    let url = options.around_url().ok_or(PollError::Failed)?;
                    let etag = self.state.borrow().around_etag.clone();
                    self.get(url, etag).await?
                }
            };
            match reply.status {
                304 => {}
                200 if crate::json::board_page(&reply.body)
                    .is_some_and(|page| page.ranked == Some(false)) =>
                {
                    // Not ranked (yet): nothing to pin, and the answer's ETag spares the body.
                    let mut state = self.state.borrow_mut();
                    state.around_etag = reply.etag;
                    changed |= !state.pinned_rows.is_empty();
                    state.pinned_rows.clear();
                }
                200 => {
                    let page: BoardPage =
                        crate::json::board_page(&reply.body).ok_or(PollError::Failed)?;
                    let mut state = self.state.borrow_mut();
                    state.around_etag = reply.etag;
                    let limit = u64::from(options.limit);
                    let entries: Vec<Entry> = page
                        .entries
                        .into_iter()
                        .filter(|e| e.rank > limit)
                        .collect();
                    let movements = state.memory.observe(&entries);
                    state.pinned_rows =
                        format::rows(&mut state.numbers, options, &entries, &movements);
                    changed = true;
                }
                // Not ranked, from an API older than `ranked`.
                404 => {
                    let mut state = self.state.borrow_mut();
                    state.around_etag = None;
                    changed |= !state.pinned_rows.is_empty();
                    state.pinned_rows.clear();
                }
                _ => return Err(PollError::Failed),
            }
        } else {
            let mut state = self.state.borrow_mut();
            changed |= !state.pinned_rows.is_empty();
            state.pinned_rows.clear();
            state.around_etag = None;
        }

        if changed {
            self.publish();
        }
        Ok(())
    }

    /// A new top page arrived: "Show more" goes on from its `next` until more rows are loaded,
    /// and loaded rows that the top now holds are dropped.
    fn after_top(&self, next: Option<String>) {
        let top: Vec<String> = {
            let state = self.state.borrow();
            state.top_entries.iter().map(|e| e.player.clone()).collect()
        };
        if self.signals.more.with_untracked(Vec::is_empty) {
            if self.signals.more_cursor.get_untracked() != next {
                self.signals.more_cursor.set(next);
            }
        } else if self
            .signals
            .more
            .with_untracked(|rows| rows.iter().any(|row| top.contains(&row.player)))
        {
            self.signals
                .more
                .update(|rows| rows.retain(|row| !top.contains(&row.player)));
        }
    }

    /// "Show more": the page after the last row shown, by its cursor, appended below the top.
    pub(crate) fn show_more(self: &Rc<Self>) {
        let Some(cursor) = self.signals.more_cursor.get_untracked() else {
            return;
        };
        let options = self.options();
        let this = self.clone();
        leptos::task::spawn_local(async move {
            let Ok(reply) = this.get(options.after_url(&cursor), None).await else {
                return;
            };
            let Some(page) = (reply.status == 200)
                .then(|| crate::json::board_page(&reply.body))
                .flatten()
            else {
                return;
            };
            let rows = {
                let state = &mut *this.state.borrow_mut();
                let same = vec![crate::model::Movement::Same; page.entries.len()];
                format::rows(&mut state.numbers, &options, &page.entries, &same)
            };
            this.signals.more.update(|more| more.extend(rows));
            this.signals.more_cursor.set(page.next);
        });
    }

    /// Builds (and caches) the number formatter for the current locale.
    pub(crate) fn prepare_formatter(&self) {
        let locale = self.options().locale;
        let _ = self
            .state
            .borrow_mut()
            .numbers
            .for_locale(locale.as_deref());
    }

    /// Hands the rows to the view and announces the viewer's rank when it changed.
    fn publish(&self) {
        let state = &mut *self.state.borrow_mut();
        self.signals.top.set(state.top_rows.clone());
        self.signals.pinned.set(state.pinned_rows.clone());
        if !self.signals.loaded.get_untracked() {
            self.signals.loaded.set(true);
        }
        let viewer = state
            .top_rows
            .iter()
            .chain(&state.pinned_rows)
            .find(|row| row.viewer);
        let rank = viewer.map(|row| row.rank);
        if rank != state.viewer_rank {
            if let Some(row) = viewer {
                self.signals
                    .announcement
                    .set(format::rank_announcement(state.viewer_rank, row));
            }
            state.viewer_rank = rank;
        }
    }
}

/// Whether the viewer (if any) is one of these entries.
fn viewer_in(options: &Options, entries: &[Entry]) -> bool {
    options
        .player
        .as_ref()
        .is_some_and(|player| entries.iter().any(|e| &e.player == player))
}

fn document_hidden() -> bool {
    window().document().is_some_and(|d| d.hidden())
}
