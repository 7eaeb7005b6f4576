//! One mounted widget: the [`Controller`] that polls the API and turns answers into rows, and the
//! Leptos view of those rows inside the element's shadow root.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Context;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::model::{
    BoardPage, Entry, Movement, Options, PeriodInfo, RankMemory, backoff_ms, countdown,
    period_label,
};
use crate::transport::{LocalFuture, Transport};

const STYLE: &str = include_str!("style.css");

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
    fn key(&self) -> (String, String, u64, String, Movement, bool) {
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
struct Signals {
    options: RwSignal<Options>,
    status: RwSignal<Status>,
    top: RwSignal<Vec<Row>>,
    pinned: RwSignal<Vec<Row>>,
    loaded: RwSignal<bool>,
    board_title: RwSignal<Option<String>>,
    periods: RwSignal<Vec<PeriodInfo>>,
    active_period: RwSignal<Option<String>>,
    resets_at: RwSignal<Option<f64>>,
    now: RwSignal<f64>,
    announcement: RwSignal<String>,
}

/// A sleep that [`Alarm::wake`] ends early (options changed, page visible again, destroyed).
#[derive(Default)]
struct Alarm {
    resolve: RefCell<Option<js_sys::Function>>,
    timer: Cell<Option<i32>>,
    woken: Cell<bool>,
}

impl Alarm {
    /// Sleeps `ms` milliseconds, or until woken when `None`.
    async fn sleep(&self, ms: Option<u32>) {
        if self.woken.replace(false) {
            return;
        }
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if let Some(ms) = ms {
                let id = window()
                    .set_timeout_with_callback_and_timeout_and_arguments_0(
                        &resolve,
                        ms.min(i32::MAX as u32) as i32,
                    )
                    .ok();
                self.timer.set(id);
            }
            *self.resolve.borrow_mut() = Some(resolve);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        self.cancel_timer();
        self.resolve.borrow_mut().take();
    }

    fn wake(&self) {
        self.cancel_timer();
        match self.resolve.borrow_mut().take() {
            Some(resolve) => {
                let _ = resolve.call0(&JsValue::NULL);
            }
            None => self.woken.set(true),
        }
    }

    fn cancel_timer(&self) {
        if let Some(id) = self.timer.take() {
            window().clear_timeout_with_handle(id);
        }
    }
}

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
    formatter: Option<(Option<String>, JsValue)>,
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
    fn options(&self) -> Options {
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
        self.generation.set(self.generation.get() + 1);
        self.signals.options.set(options);
        self.alarm.wake();
    }

    fn select_period(&self, period: String) {
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
    fn visibility_changed(&self) {
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

    async fn get(
        &self,
        url: String,
        etag: Option<String>,
    ) -> Result<crate::transport::Reply, PollError> {
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
                state.top_rows = self.rows(&mut state, options, &page.entries, &movements);
                state.top_entries = page.entries;
                drop(state);
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
                    state.pinned_rows = self.rows(&mut state, options, &entries, &movements);
                    changed = true;
                }
                // Not ranked (yet): nothing to pin.
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

    /// Builds (and caches) the number formatter for the current locale.
    fn prepare_formatter(&self) {
        let locale = self.options().locale;
        let _ = number_format(&mut self.state.borrow_mut().formatter, locale.as_deref());
    }

    fn rows(
        &self,
        state: &mut PollState,
        options: &Options,
        entries: &[Entry],
        movements: &[Movement],
    ) -> Vec<Row> {
        let format = number_format(&mut state.formatter, options.locale.as_deref());
        entries
            .iter()
            .zip(movements)
            .map(|(entry, movement)| Row {
                player: entry.player.clone(),
                name: entry.name.clone().unwrap_or_else(|| entry.player.clone()),
                rank: entry.rank,
                rank_text: format(entry.rank as f64),
                score_text: format(entry.score),
                movement: *movement,
                viewer: options.player.as_deref() == Some(entry.player.as_str()),
            })
            .collect()
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
                let text = match (state.viewer_rank, row.rank) {
                    (Some(before), now) if now < before => {
                        format!("Your rank: {} (up {})", row.rank_text, before - now)
                    }
                    (Some(before), now) => {
                        format!("Your rank: {} (down {})", row.rank_text, now - before)
                    }
                    (None, _) => format!("Your rank: {}", row.rank_text),
                };
                self.signals.announcement.set(text);
            }
            state.viewer_rank = rank;
        }
    }
}

/// `Intl.NumberFormat(locale).format`, cached per locale; the browser's locale when `locale` is
/// missing or not one Intl accepts.
fn number_format(
    cache: &mut Option<(Option<String>, JsValue)>,
    locale: Option<&str>,
) -> impl Fn(f64) -> String {
    let fresh = cache
        .as_ref()
        .is_none_or(|(cached, _)| cached.as_deref() != locale);
    if fresh {
        let intl =
            js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).unwrap_or(JsValue::UNDEFINED);
        let constructor = js_sys::Reflect::get(&intl, &"NumberFormat".into())
            .ok()
            .and_then(|c| c.dyn_into::<js_sys::Function>().ok());
        let make = |locales: JsValue| {
            let constructor = constructor.as_ref()?;
            js_sys::Reflect::construct(constructor, &js_sys::Array::of1(&locales)).ok()
        };
        let formatter = locale
            .and_then(|l| make(l.into()))
            .or_else(|| make(JsValue::UNDEFINED))
            .unwrap_or(JsValue::UNDEFINED);
        *cache = Some((locale.map(str::to_owned), formatter));
    }
    let formatter = cache
        .as_ref()
        .map(|(_, f)| f.clone())
        .unwrap_or(JsValue::UNDEFINED);
    let format = js_sys::Reflect::get(&formatter, &"format".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    move |n: f64| {
        format
            .as_ref()
            .and_then(|f| f.call1(&formatter, &JsValue::from_f64(n)).ok())
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| {
                js_sys::Number::from(n)
                    .to_string_with_radix(10)
                    .map(String::from)
                    .unwrap_or_default()
            })
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

/// A mounted widget: the controller, the Leptos view and the listeners, all released by
/// [`Mounted::destroy`].
pub(crate) struct Mounted {
    pub(crate) controller: Rc<Controller>,
    view: Option<Box<dyn Any>>,
    root: ShadowRoot,
    visibility: Option<Closure<dyn FnMut()>>,
    tick: Option<(i32, Closure<dyn FnMut()>)>,
}

impl Mounted {
    pub(crate) fn new(
        element: &HtmlElement,
        options: Options,
        transport: Rc<dyn Transport>,
    ) -> Result<Self, JsValue> {
        let root = match element.shadow_root() {
            Some(root) => root,
            None => element.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
        };
        root.set_inner_html("");
        let document = window().document().ok_or("no document")?;
        let style = document.create_element("style")?;
        style.set_text_content(Some(STYLE));
        root.append_child(&style)?;
        let container: HtmlElement = document.create_element("div")?.unchecked_into();
        container.set_class_name("podium-root");
        root.append_child(&container)?;

        let controller_slot: Rc<RefCell<Option<Rc<Controller>>>> = Rc::default();
        let slot = controller_slot.clone();
        let handle = leptos::mount::mount_to(container, move || {
            let signals = Signals {
                options: RwSignal::new(options),
                status: RwSignal::new(Status::Loading),
                top: RwSignal::new(Vec::new()),
                pinned: RwSignal::new(Vec::new()),
                loaded: RwSignal::new(false),
                board_title: RwSignal::new(None),
                periods: RwSignal::new(Vec::new()),
                active_period: RwSignal::new(None),
                resets_at: RwSignal::new(None),
                now: RwSignal::new(js_sys::Date::now()),
                announcement: RwSignal::new(String::new()),
            };
            let controller = Rc::new(Controller {
                transport,
                signals,
                state: RefCell::default(),
                alarm: Alarm::default(),
                stopped: Cell::new(false),
                generation: Cell::new(0),
            });
            *slot.borrow_mut() = Some(controller.clone());
            // The first requests go out now, before the view is built (10-30 ms of DOM work that
            // then overlaps the network): `run` is polled once here, then handed to the executor,
            // which polls it again with a real waker.
            let mut run: Pin<Box<dyn Future<Output = ()>>> = Box::pin(controller.clone().run());
            let mut first = Context::from_waker(futures::task::noop_waker_ref());
            if run.as_mut().poll(&mut first).is_pending() {
                leptos::task::spawn_local(run);
            }
            let controller = SendWrapper::new(controller);
            let select = move |period: String| controller.select_period(period);
            view! { <Leaderboard signals=signals select=select/> }
        });
        let controller = controller_slot
            .borrow_mut()
            .take()
            .ok_or("mount did not run")?;

        let for_visibility = Rc::downgrade(&controller);
        let visibility = Closure::<dyn FnMut()>::new(move || {
            if let Some(controller) = for_visibility.upgrade() {
                controller.visibility_changed();
            }
        });
        document.add_event_listener_with_callback(
            "visibilitychange",
            visibility.as_ref().unchecked_ref(),
        )?;

        let now = controller.signals.now;
        let tick = Closure::<dyn FnMut()>::new(move || {
            now.try_set(js_sys::Date::now());
        });
        let tick_id = window().set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            1000,
        )?;

        // Runs once the first requests are in flight: a page's first `Intl.NumberFormat` costs
        // 20-50 ms (ICU data), paid here while waiting on the network instead of between the
        // first answer and the first paint.
        let for_formatter = Rc::downgrade(&controller);
        leptos::task::spawn_local(async move {
            if let Some(controller) = for_formatter.upgrade() {
                controller.prepare_formatter();
            }
        });
        Ok(Self {
            controller,
            view: Some(Box::new(handle)),
            root,
            visibility: Some(visibility),
            tick: Some((tick_id, tick)),
        })
    }

    pub(crate) fn controller_options(&self) -> Options {
        self.controller.options()
    }

    /// Stops polling, removes the listeners and timers, unmounts the view and frees its state.
    pub(crate) fn destroy(&mut self) {
        self.controller.stop();
        if let Some((id, _closure)) = self.tick.take() {
            window().clear_interval_with_handle(id);
        }
        if let (Some(visibility), Some(document)) = (self.visibility.take(), window().document()) {
            let _ = document.remove_event_listener_with_callback(
                "visibilitychange",
                visibility.as_ref().unchecked_ref(),
            );
        }
        self.view.take();
        self.root.set_inner_html("");
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.destroy();
    }
}

/// The whole widget: heading, period tabs with the reset countdown, the table, the pinned viewer.
#[component]
fn Leaderboard<F>(
    /// State written by the controller.
    signals: Signals,
    /// Called with a period name when the viewer picks a tab.
    select: F,
) -> impl IntoView
where
    F: Fn(String) + Clone + Send + Sync + 'static,
{
    let Signals {
        options,
        status,
        top,
        pinned,
        loaded,
        board_title,
        periods,
        active_period,
        resets_at,
        now,
        announcement,
    } = signals;
    let title = move || {
        options
            .with(|o| o.title.clone())
            .or_else(|| board_title.get())
            .unwrap_or_else(|| options.with(|o| o.board.clone()))
    };
    let reconnecting = move || status.get() == Status::Reconnecting;
    let reset_text = move || {
        resets_at
            .get()
            .map(|at| format!("Resets in {}", countdown(at - now.get())))
    };
    let empty = move || loaded.get() && top.with(Vec::is_empty);
    let has_tabs = move || periods.with(|p| p.len() > 1);
    // The period asked for, else the one shown, else the board's first: a tab is selected as
    // soon as it is picked, before its page arrives.
    let selected_period = move || {
        options
            .with(|o| o.period.clone())
            .or_else(|| active_period.get())
            .or_else(|| periods.with(|p| p.first().map(|p| p.period.clone())))
    };

    view! {
        <section class="podium" data-testid="podium" aria-label=title>
            <header class="head">
                <h2 class="title">{title}</h2>
                <span class="status" data-testid="status" class:reconnecting=reconnecting aria-hidden="true">
                    {move || match status.get() {
                        Status::Reconnecting => "reconnecting…",
                        Status::Loading => "loading…",
                        _ => "",
                    }}
                </span>
            </header>
            <Show when=has_tabs>
                <PeriodTabs periods=periods selected=selected_period select=select.clone()/>
            </Show>
            <p class="reset" data-testid="countdown" hidden=move || reset_text().is_none()>{reset_text}</p>
            <div
                id=PANEL_ID
                role=move || has_tabs().then_some("tabpanel")
                aria-labelledby=move || has_tabs().then(|| selected_period().map(|p| tab_id(&p))).flatten()
            >
                <table class="board" data-testid="board">
                    <thead>
                        <tr>
                            <th scope="col" class="rank">"Rank"</th>
                            <th scope="col" class="name">"Player"</th>
                            <th scope="col" class="score">"Score"</th>
                        </tr>
                    </thead>
                    <tbody data-testid="top">
                        <For each=move || top.get() key=Row::key children=|row| view! { <BoardRow row=row/> }/>
                    </tbody>
                    <tbody class="pinned" data-testid="pinned" hidden=move || pinned.with(Vec::is_empty)>
                        <tr class="gap" aria-hidden="true"><td colspan="3">"⋯"</td></tr>
                        <For each=move || pinned.get() key=Row::key children=|row| view! { <BoardRow row=row/> }/>
                    </tbody>
                </table>
                <p class="empty" data-testid="empty" hidden=move || !empty()>"No scores yet"</p>
            </div>
            <p class="sr-only" aria-live="polite" aria-atomic="true" data-testid="live">{move || announcement.get()}</p>
        </section>
    }
}

/// One ranked player. The name is a text node: markup in names is shown, never parsed.
#[component]
fn BoardRow(
    /// The formatted row.
    row: Row,
) -> impl IntoView {
    let (mark, label, class) = match row.movement {
        Movement::Up(n) => ("▲", format!("up {n}"), "move up"),
        Movement::Down(n) => ("▼", format!("down {n}"), "move down"),
        Movement::New => ("●", "new".to_owned(), "move new"),
        Movement::Same => ("", String::new(), "move"),
    };
    let changed = row.movement != Movement::Same;
    let (movement_attr, title) = (label.clone(), label.clone());
    view! {
        <tr
            data-player=row.player.clone()
            data-movement=movement_attr
            class:viewer=row.viewer
            class:changed=changed
            aria-current=row.viewer.then_some("true")
        >
            <td class="rank">
                {row.rank_text}
                <span class=class title=title aria-label=label>{mark}</span>
            </td>
            <th scope="row" class="name">{row.name}</th>
            <td class="score">{row.score_text}</td>
        </tr>
    }
}

/// The `id` of the tab panel (the table and what goes with it) inside the shadow root.
const PANEL_ID: &str = "podium-panel";

/// The `id` of a period's tab, which labels the panel while it is selected.
fn tab_id(period: &str) -> String {
    format!("podium-tab-{period}")
}

/// Period tabs, keyboard-usable as in the WAI-ARIA tabs pattern: one tab in the Tab order (roving
/// `tabindex`), ArrowLeft/ArrowRight (wrapping), Home and End move focus and select (automatic
/// activation), Enter and Space select the focused tab. The buttons are rebuilt only when the
/// periods change (once per board): a tab keeps its node, and its focus, when the selection or
/// the page changes.
#[component]
fn PeriodTabs<S, F>(
    /// The board's periods.
    periods: RwSignal<Vec<PeriodInfo>>,
    /// The selected period.
    selected: S,
    /// Called with the chosen period.
    select: F,
) -> impl IntoView
where
    S: Fn() -> Option<String> + Copy + Send + Sync + 'static,
    F: Fn(String) + Clone + Send + Sync + 'static,
{
    let on_keydown = {
        let select = select.clone();
        move |event: web_sys::KeyboardEvent| {
            let list = periods.get_untracked();
            let tablist = event
                .current_target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let Some(tablist) = tablist.filter(|_| !list.is_empty()) else {
                return;
            };
            let focused = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|tab| tab.get_attribute("data-period"))
                .or_else(|| untrack(selected));
            let index = focused
                .and_then(|period| list.iter().position(|p| p.period == period))
                .unwrap_or(0);
            let next = match event.key().as_str() {
                "ArrowRight" => (index + 1) % list.len(),
                "ArrowLeft" => (index + list.len() - 1) % list.len(),
                "Home" => 0,
                "End" => list.len() - 1,
                "Enter" | " " => index,
                _ => return,
            };
            event.prevent_default();
            select(list[next].period.clone());
            if let Some(tab) = tablist.children().item(next as u32)
                && let Ok(tab) = tab.dyn_into::<HtmlElement>()
            {
                let _ = tab.focus();
            }
        }
    };
    let tab = move |info: PeriodInfo| {
        let select = select.clone();
        let period = info.period.clone();
        let is_selected = {
            let period = info.period.clone();
            move || selected().as_deref() == Some(period.as_str())
        };
        view! {
            <button
                type="button"
                role="tab"
                id=tab_id(&info.period)
                data-period=info.period.clone()
                aria-controls=PANEL_ID
                aria-selected={
                    let is_selected = is_selected.clone();
                    move || if is_selected() { "true" } else { "false" }
                }
                tabindex=move || if is_selected() { "0" } else { "-1" }
                on:click=move |_| select(period.clone())
            >
                {period_label(&info.period)}
            </button>
        }
    };
    view! {
        <div class="tabs" role="tablist" aria-label="Period" data-testid="tabs" on:keydown=on_keydown>
            {move || periods.get().into_iter().map(tab.clone()).collect_view()}
        </div>
    }
}
