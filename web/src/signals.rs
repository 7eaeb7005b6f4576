//! The reactive state between the poll loop, which writes it, and the components, which read it.

use leptos::prelude::*;

use crate::model::{Movement, Options, PeriodInfo};

/// Whether the widget is showing live data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `endpoint` or `board` missing.
    Idle,
    Loading,
    Live,
    /// The last poll failed; retrying with backoff, the last board still shown.
    Reconnecting,
}

/// One rendered row: everything already formatted, so the view is plain data.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub player: String,
    pub name: String,
    pub rank: u64,
    pub rank_text: String,
    pub score_text: String,
    pub movement: Movement,
    pub viewer: bool,
}

impl Row {
    /// The `<For>` key: a row re-renders only when something it shows changed.
    pub(crate) fn key(&self) -> (String, String, u64, String, Movement, bool) {
        (
            self.player.clone(),
            self.name.clone(),
            self.rank,
            self.score_text.clone(),
            self.movement,
            self.viewer,
        )
    }
}

/// The reactive state the view reads (all `Copy` handles).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Signals {
    pub(crate) options: RwSignal<Options>,
    pub(crate) status: RwSignal<Status>,
    pub(crate) top: RwSignal<Vec<Row>>,
    pub(crate) pinned: RwSignal<Vec<Row>>,
    /// Rows after the top, loaded by "Show more" (a snapshot, not polled).
    pub(crate) more: RwSignal<Vec<Row>>,
    /// The cursor "Show more" loads from; `None` hides the button (nothing more).
    pub(crate) more_cursor: RwSignal<Option<String>>,
    pub(crate) loaded: RwSignal<bool>,
    pub(crate) board_title: RwSignal<Option<String>>,
    pub(crate) periods: RwSignal<Vec<PeriodInfo>>,
    pub(crate) active_period: RwSignal<Option<String>>,
    pub(crate) resets_at: RwSignal<Option<f64>>,
    pub(crate) now: RwSignal<f64>,
    pub(crate) announcement: RwSignal<String>,
}

impl Signals {
    /// A widget that has not polled yet. Called inside the view's mount, so the signals belong
    /// to its owner and are freed with it.
    pub(crate) fn new(options: Options) -> Self {
        Self {
            options: RwSignal::new(options),
            status: RwSignal::new(Status::Loading),
            top: RwSignal::new(Vec::new()),
            pinned: RwSignal::new(Vec::new()),
            more: RwSignal::new(Vec::new()),
            more_cursor: RwSignal::new(None),
            loaded: RwSignal::new(false),
            board_title: RwSignal::new(None),
            periods: RwSignal::new(Vec::new()),
            active_period: RwSignal::new(None),
            resets_at: RwSignal::new(None),
            now: RwSignal::new(js_sys::Date::now()),
            announcement: RwSignal::new(String::new()),
        }
    }
}
