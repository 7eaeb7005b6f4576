//! The widget in a real browser (`bash scripts/test-widget-browser.sh`) against a fake API:
//! rendering, the viewer's row, movement arrows, 304s, backoff, option changes, names that look
//! like HTML, and destroy().
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use podium_widget::{
    LocalFuture, Options, Reply, Transport, TransportError, WidgetHandle, mount_with,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

/// An API in memory: one board whose entries a test edits; ETags follow a version counter.
#[derive(Default)]
struct FakeApi {
    /// (player, name, score), best first.
    entries: RefCell<Vec<(String, String, f64)>>,
    version: Cell<u32>,
    periods: RefCell<Vec<&'static str>>,
    failing: Cell<bool>,
    /// (url, If-None-Match, status answered)
    log: RefCell<Vec<(String, Option<String>, u16)>>,
}

impl FakeApi {
    fn with(entries: &[(&str, &str, f64)]) -> Rc<Self> {
        let api = Rc::new(Self::default());
        api.set(entries);
        *api.periods.borrow_mut() = vec!["alltime"];
        api
    }

    fn set(&self, entries: &[(&str, &str, f64)]) {
        *self.entries.borrow_mut() = entries
            .iter()
            .map(|(p, n, s)| (p.to_string(), n.to_string(), *s))
            .collect();
        self.version.set(self.version.get() + 1);
    }

    fn count(&self, status: u16) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|(_, _, s)| *s == status)
            .count()
    }

    fn requests(&self) -> usize {
        self.log.borrow().len()
    }

    fn page(&self, url: &str) -> (u16, String) {
        let query = |key: &str| {
            url.split(['?', '&'])
                .find_map(|pair| pair.strip_prefix(&format!("{key}=")).map(str::to_owned))
        };
        let entries = self.entries.borrow();
        let mut is_ranked = None;
        let ranked: Vec<_> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i + 1, e))
            .collect();
        let window: Vec<_> = if url.contains("/around") {
            let player = url
                .split("/players/")
                .nth(1)
                .unwrap()
                .split('/')
                .next()
                .unwrap();
            let radius: usize = query("radius").unwrap().parse().unwrap();
            // As the API answers a viewer with no score: 200, not ranked, the top.
            match ranked.iter().position(|(_, e)| e.0 == player) {
                None => {
                    is_ranked = Some(false);
                    ranked.iter().take(2 * radius + 1).cloned().collect()
                }
                Some(at) => {
                    is_ranked = Some(true);
                    ranked[at.saturating_sub(radius)..(at + radius + 1).min(ranked.len())].to_vec()
                }
            }
        } else {
            let limit: usize = query("limit").unwrap().parse().unwrap();
            // The fake's cursors are player ids: the rows after that player.
            let skip = query("after").map_or(0, |after| {
                ranked.iter().position(|(_, e)| e.0 == after).unwrap() + 1
            });
            ranked.into_iter().skip(skip).take(limit).collect()
        };
        let next = match window.last() {
            Some((rank, (player, _, _))) if *rank < entries.len() => js_string(player),
            _ => "null".to_owned(),
        };
        let ranked_field = is_ranked.map_or(String::new(), |r| format!(r#","ranked":{r}"#));
        let period = query("period").unwrap_or_else(|| "alltime".into());
        let resets_at = if period == "alltime" {
            "null".to_owned()
        } else {
            (js_sys::Date::now() + 3_600_000.0).to_string()
        };
        let entries: Vec<String> = window
            .iter()
            .map(|(rank, (player, name, score))| {
                format!(
                    r#"{{"rank":{rank},"player":{},"name":{},"score":{score}}}"#,
                    js_string(player),
                    js_string(name)
                )
            })
            .collect();
        let body = format!(
            r#"{{"board":"g","period":{{"period":"{period}","id":"x"}},"resets_at":{resets_at},"total":{},"entries":[{}],"next":{next}{ranked_field}}}"#,
            self.entries.borrow().len(),
            entries.join(",")
        );
        (200, body)
    }
}

fn js_string(text: &str) -> String {
    js_sys::JSON::stringify(&JsValue::from_str(text))
        .unwrap()
        .as_string()
        .unwrap()
}

/// The fake API as a [`Transport`].
struct Fake(Rc<FakeApi>);

impl Transport for Fake {
    fn get(
        &self,
        url: &str,
        if_none_match: Option<&str>,
    ) -> LocalFuture<Result<Reply, TransportError>> {
        let api = self.0.clone();
        let url = url.to_owned();
        let if_none_match = if_none_match.map(str::to_owned);
        Box::pin(async move {
            sleep(2).await;
            if api.failing.get() {
                api.log.borrow_mut().push((url, if_none_match, 0));
                return Err(TransportError("offline".into()));
            }
            let etag = format!("\"v{}-{}\"", api.version.get(), url.len());
            let reply = if url.ends_with("/v1/boards") {
                let periods: Vec<String> = api
                    .periods
                    .borrow()
                    .iter()
                    .map(|p| format!(r#"{{"period":"{p}","id":"x","resets_at":null}}"#))
                    .collect();
                let body = format!(
                    r#"{{"boards":[{{"id":"g","title":"Global","periods":[{}]}}]}}"#,
                    periods.join(",")
                );
                Reply {
                    status: 200,
                    etag: None,
                    body,
                }
            } else if if_none_match.as_deref() == Some(etag.as_str()) {
                Reply {
                    status: 304,
                    etag: Some(etag),
                    body: String::new(),
                }
            } else {
                let (status, body) = api.page(&url);
                Reply {
                    status,
                    etag: (status == 200).then_some(etag),
                    body,
                }
            };
            api.log
                .borrow_mut()
                .push((url, if_none_match, reply.status));
            Ok(reply)
        })
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits (up to 3 s) until `check` holds.
async fn until(what: &str, check: impl Fn() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        sleep(10).await;
    }
    panic!("timed out waiting for: {what}");
}

fn host() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let element: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&element).unwrap();
    element
}

fn options(player: Option<&str>, limit: u32) -> Options {
    Options {
        endpoint: "https://api.test".into(),
        board: "g".into(),
        limit,
        player: player.map(Into::into),
        interval_ms: 50,
        locale: Some("en-US".into()),
        ..Options::default()
    }
}

fn start(api: &Rc<FakeApi>, options: Options) -> (HtmlElement, WidgetHandle) {
    let element = host();
    let handle = mount_with(&element, options, Rc::new(Fake(api.clone()))).unwrap();
    (element, handle)
}

fn root(element: &HtmlElement) -> ShadowRoot {
    element.shadow_root().expect("a shadow root")
}

fn all(element: &HtmlElement, selector: &str) -> Vec<Element> {
    let list = root(element).query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn text(element: &HtmlElement, selector: &str) -> String {
    root(element)
        .query_selector(selector)
        .unwrap()
        .map(|e| e.text_content().unwrap_or_default())
        .unwrap_or_default()
}

/// (player, rank cell, name, score) of each row in a tbody.
fn rows(element: &HtmlElement, body: &str) -> Vec<(String, String, String)> {
    all(
        element,
        &format!("tbody[data-testid={body}] tr[data-player]"),
    )
    .iter()
    .map(|row| {
        let cell = |s: &str| {
            row.query_selector(s)
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap()
        };
        (
            row.get_attribute("data-player").unwrap(),
            cell(".name"),
            cell(".score"),
        )
    })
    .collect()
}

fn players(element: &HtmlElement, body: &str) -> Vec<String> {
    rows(element, body).into_iter().map(|r| r.0).collect()
}

#[wasm_bindgen_test]
async fn renders_the_top_rows_as_a_table() {
    let api = FakeApi::with(&[("a", "Alice", 1500.0), ("b", "Bob", 900.0), ("c", "", 10.0)]);
    let (element, mut handle) = start(&api, options(None, 2));
    until("rows", || rows(&element, "top").len() == 2).await;
    assert_eq!(
        rows(&element, "top"),
        [
            ("a".into(), "Alice".into(), "1,500".into()),
            ("b".into(), "Bob".into(), "900".into())
        ]
    );
    assert_eq!(all(&element, "thead th[scope=col]").len(), 3);
    assert_eq!(all(&element, "tbody th[scope=row]").len(), 2);
    assert_eq!(text(&element, "h2"), "Global");
    assert!(
        api.log
            .borrow()
            .iter()
            .any(|(url, _, _)| url == "https://api.test/v1/boards/g/top?limit=2")
    );
    handle.destroy();
}

#[wasm_bindgen_test]
async fn highlights_the_viewer_and_pins_them_with_neighbours_below_the_top() {
    let entries: Vec<(String, String, f64)> = (1..=6)
        .map(|i| (format!("p{i}"), format!("Player {i}"), 100.0 - i as f64))
        .collect();
    let borrowed: Vec<(&str, &str, f64)> = entries
        .iter()
        .map(|(p, n, s)| (p.as_str(), n.as_str(), *s))
        .collect();
    let api = FakeApi::with(&borrowed);

    let (inside, mut first) = start(&api, options(Some("p2"), 3));
    until("viewer row", || !all(&inside, "tr.viewer").is_empty()).await;
    let viewer = all(&inside, "tr.viewer");
    assert_eq!(
        viewer[0].get_attribute("data-player").as_deref(),
        Some("p2")
    );
    assert_eq!(
        viewer[0].get_attribute("aria-current").as_deref(),
        Some("true")
    );
    assert!(players(&inside, "pinned").is_empty());
    first.destroy();

    let (outside, mut second) = start(&api, options(Some("p5"), 3));
    until("pinned rows", || players(&outside, "pinned").len() == 3).await;
    assert_eq!(players(&outside, "top"), ["p1", "p2", "p3"]);
    assert_eq!(players(&outside, "pinned"), ["p4", "p5", "p6"]);
    let pinned_viewer = all(&outside, "tbody[data-testid=pinned] tr.viewer");
    assert_eq!(
        pinned_viewer[0].get_attribute("data-player").as_deref(),
        Some("p5")
    );
    assert_eq!(text(&outside, "[data-testid=live]"), "Your rank: 5");
    let live = &all(&outside, "[data-testid=live]")[0];
    assert_eq!(live.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(live.get_attribute("aria-atomic").as_deref(), Some("true"));
    // The pinned rows are polled conditionally too: an unchanged neighbourhood is a 304.
    until("a 304 for around", || {
        api.log.borrow().iter().any(|(url, etag, status)| {
            url.contains("/players/p5/around") && etag.is_some() && *status == 304
        })
    })
    .await;
    assert_eq!(players(&outside, "pinned"), ["p4", "p5", "p6"]);

    // The viewer climbs into the top: the pinned section goes away and the live region says so.
    api.set(&[
        ("p1", "", 9.0),
        ("p5", "", 8.0),
        ("p2", "", 7.0),
        ("p3", "", 6.0),
        ("p4", "", 5.0),
    ]);
    until("viewer in top", || players(&outside, "pinned").is_empty()).await;
    assert_eq!(players(&outside, "top"), ["p1", "p5", "p2"]);
    assert_eq!(text(&outside, "[data-testid=live]"), "Your rank: 2 (up 3)");
    second.destroy();
}

#[wasm_bindgen_test]
async fn a_viewer_with_no_score_pins_nothing_and_gets_no_error() {
    let api = FakeApi::with(&[("a", "A", 3.0), ("b", "B", 2.0), ("c", "C", 1.0)]);
    let (element, mut handle) = start(&api, options(Some("nobody"), 1));
    until("an around answer", || {
        api.log
            .borrow()
            .iter()
            .any(|(url, _, status)| url.contains("/around") && *status == 200)
    })
    .await;
    until("the top", || players(&element, "top") == ["a"]).await;
    // The not-ranked answer is the top of the board: none of it is pinned as the viewer's.
    assert!(players(&element, "pinned").is_empty());
    assert!(all(&element, "tr.viewer").is_empty());
    assert_eq!(api.count(404), 0);
    handle.destroy();
}

#[wasm_bindgen_test]
async fn show_more_loads_the_next_rows_by_cursor_until_the_last() {
    let api = FakeApi::with(&[
        ("a", "A", 5.0),
        ("b", "B", 4.0),
        ("c", "C", 3.0),
        ("d", "D", 2.0),
        ("e", "E", 1.0),
    ]);
    let mut slow = options(None, 2);
    slow.interval_ms = 60_000;
    let (element, mut handle) = start(&api, slow);
    until("the top", || players(&element, "top") == ["a", "b"]).await;
    let button: HtmlElement = all(&element, "[data-testid=show-more]")[0]
        .clone()
        .unchecked_into();
    assert_eq!(
        button.tag_name(),
        "BUTTON",
        "a real button: focusable, Enter and Space"
    );
    assert_eq!(button.get_attribute("type").as_deref(), Some("button"));
    assert_eq!(button.text_content().as_deref(), Some("Show more"));
    assert!(!button.hidden());
    button.focus().unwrap();
    assert!(
        root(&element)
            .active_element()
            .is_some_and(|e| e.get_attribute("data-testid").as_deref() == Some("show-more"))
    );
    button.click();
    until("the next page", || players(&element, "more") == ["c", "d"]).await;
    assert!(
        api.log
            .borrow()
            .iter()
            .any(|(url, _, _)| url.ends_with("&after=b")),
        "asked from the top page's next cursor"
    );
    button.click();
    until("the last page", || {
        players(&element, "more") == ["c", "d", "e"]
    })
    .await;
    until("no more to show", || button.hidden()).await;
    handle.destroy();
}

#[wasm_bindgen_test]
async fn marks_moves_and_new_entries_after_a_change() {
    let api = FakeApi::with(&[("a", "A", 30.0), ("b", "B", 20.0), ("c", "C", 10.0)]);
    let (element, mut handle) = start(&api, options(None, 3));
    until("rows", || rows(&element, "top").len() == 3).await;
    assert!(
        all(&element, ".move.up, .move.down, .move.new").is_empty(),
        "no marks on the first load"
    );

    api.set(&[("b", "B", 40.0), ("a", "A", 30.0), ("d", "D", 25.0)]);
    until("reordered", || players(&element, "top") == ["b", "a", "d"]).await;
    let movement = |player: &str| {
        all(&element, &format!("tr[data-player={player}]"))[0]
            .get_attribute("data-movement")
            .unwrap()
    };
    assert_eq!(movement("b"), "up 1");
    assert_eq!(movement("a"), "down 1");
    assert_eq!(movement("d"), "new");
    assert_eq!(all(&element, ".move.up").len(), 1);
    assert_eq!(all(&element, "tr.changed").len(), 3);
    handle.destroy();
}

#[wasm_bindgen_test]
async fn an_unchanged_board_costs_a_304_and_no_dom_change_and_a_change_touches_only_its_row() {
    let api = FakeApi::with(&[("a", "A", 30.0), ("b", "B", 20.0), ("c", "C", 10.0)]);
    let (element, mut handle) = start(&api, options(None, 3));
    until("rows", || rows(&element, "top").len() == 3).await;

    let mutations: Rc<RefCell<Vec<web_sys::MutationRecord>>> = Rc::default();
    let sink = mutations.clone();
    let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |records: js_sys::Array| {
        sink.borrow_mut().extend(
            records
                .iter()
                .map(|r| r.unchecked_into::<web_sys::MutationRecord>()),
        );
    });
    let observer = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()).unwrap();
    let init = web_sys::MutationObserverInit::new();
    init.set_child_list(true);
    init.set_subtree(true);
    init.set_character_data(true);
    init.set_attributes(true);
    let tbody = root(&element)
        .query_selector("tbody[data-testid=top]")
        .unwrap()
        .unwrap();
    observer.observe_with_options(&tbody, &init).unwrap();

    let before = api.count(304);
    until("three 304s", || api.count(304) >= before + 3).await;
    sleep(20).await;
    assert!(
        mutations.borrow().is_empty(),
        "a 304 must not touch the DOM"
    );
    assert!(
        api.log
            .borrow()
            .iter()
            .filter(|(_, _, s)| *s == 304)
            .all(|(_, etag, _)| etag.is_some()),
        "304s answer conditional requests"
    );

    // One score changes (same order): only that row's DOM is touched.
    let before: Vec<(Element, String)> = all(&element, "tbody[data-testid=top] tr[data-player]")
        .into_iter()
        .map(|row| {
            let html = row.outer_html();
            (row, html)
        })
        .collect();
    api.set(&[("a", "A", 30.0), ("b", "B", 20.0), ("c", "C", 15.0)]);
    until("score change", || rows(&element, "top")[2].2 == "15").await;
    sleep(20).await;
    observer.disconnect();
    let after = all(&element, "tbody[data-testid=top] tr[data-player]");
    for (index, (row, html)) in before.iter().enumerate().take(2) {
        assert!(
            row.is_same_node(Some(&after[index])),
            "row {index} kept its node"
        );
        assert_eq!(&row.outer_html(), html, "row {index} is unchanged");
    }
    let untouched = |node: &web_sys::Node| {
        before[..2]
            .iter()
            .all(|(row, _)| !row.contains(Some(node)) && !node.is_same_node(Some(row)))
    };
    let records = mutations.borrow();
    let mut touched = Vec::new();
    for record in records.iter() {
        let target = record.target().expect("a mutation target");
        assert!(
            untouched(&target),
            "a {} mutation inside an unchanged row",
            record.type_()
        );
        for list in [record.added_nodes(), record.removed_nodes()] {
            for i in 0..list.length() {
                let node = list.item(i).unwrap();
                assert!(untouched(&node), "an unchanged row was moved");
                if let Some(player) = node
                    .dyn_ref::<Element>()
                    .and_then(|e| e.get_attribute("data-player"))
                {
                    touched.push(player);
                }
            }
        }
    }
    assert!(
        !touched.is_empty() && touched.iter().all(|p| p == "c"),
        "only row c changed: {touched:?}"
    );
    drop(records);
    handle.destroy();
}

#[wasm_bindgen_test]
async fn numbers_follow_the_locale_option() {
    let api = FakeApi::with(&[("a", "A", 1_234_567.5)]);
    let mut slow = options(None, 10);
    slow.interval_ms = 60_000;
    let (element, mut handle) = start(&api, slow);
    let score = || rows(&element, "top").first().map(|r| r.2.clone());
    until("en-US", || score().as_deref() == Some("1,234,567.5")).await;

    let change = |locale: &str| {
        let change = js_sys::Object::new();
        js_sys::Reflect::set(&change, &"locale".into(), &locale.into()).unwrap();
        change.into()
    };
    handle.update(change("de-DE"));
    until("de-DE", || score().as_deref() == Some("1.234.567,5")).await;
    handle.update(change("hi-IN"));
    until("hi-IN (lakh grouping)", || {
        score().as_deref() == Some("12,34,567.5")
    })
    .await;
    // Not a locale Intl accepts: the browser's own, not an error.
    handle.update(change("not a locale!"));
    until("fallback", || {
        score().is_some_and(|s| s != "12,34,567.5" && s.contains("567"))
    })
    .await;
    assert_eq!(text(&element, "[data-testid=status]"), "");
    handle.destroy();
}

#[wasm_bindgen_test]
async fn names_that_look_like_html_are_text() {
    let evil = "<img src=x onerror=alert(1)>";
    let api = FakeApi::with(&[("x", evil, 1.0), ("y", "<b>bold</b>", 0.5)]);
    let (element, mut handle) = start(&api, options(None, 10));
    until("rows", || rows(&element, "top").len() == 2).await;
    assert_eq!(rows(&element, "top")[0].1, evil);
    assert_eq!(rows(&element, "top")[1].1, "<b>bold</b>");
    assert!(
        all(&element, "img").is_empty() && all(&element, "b").is_empty(),
        "no markup parsed"
    );
    handle.destroy();
}

#[wasm_bindgen_test]
async fn errors_back_off_and_show_reconnecting_while_keeping_the_board() {
    let api = FakeApi::with(&[("a", "A", 3.0)]);
    let (element, mut handle) = start(&api, options(None, 10));
    until("rows", || rows(&element, "top").len() == 1).await;
    api.failing.set(true);
    until("reconnecting", || {
        text(&element, "[data-testid=status]") == "reconnecting…"
    })
    .await;
    assert_eq!(players(&element, "top"), ["a"], "the last board stays");
    let failed_at = api.requests();
    sleep(250).await;
    // 50 ms polls would make ~5 requests; backoff (100, 200, … ms) makes at most 2.
    assert!(
        api.requests() - failed_at <= 2,
        "backoff: {} requests in 250 ms",
        api.requests() - failed_at
    );
    api.failing.set(false);
    api.set(&[("a", "A", 3.0), ("b", "B", 2.0)]);
    until("recovered", || players(&element, "top").len() == 2).await;
    assert_eq!(text(&element, "[data-testid=status]"), "");
    handle.destroy();
}

#[wasm_bindgen_test]
async fn option_changes_take_effect_at_once() {
    let api = FakeApi::with(&[("a", "A", 3.0), ("b", "B", 2.0), ("c", "C", 1.0)]);
    *api.periods.borrow_mut() = vec!["alltime", "daily"];
    let mut slow = options(None, 1);
    slow.interval_ms = 60_000;
    let (element, mut handle) = start(&api, slow);
    until("one row", || rows(&element, "top").len() == 1).await;
    until("two tabs", || all(&element, "[role=tab]").len() == 2).await;

    // update() from JS: a bigger limit, without waiting for the (one minute) interval.
    let change = js_sys::Object::new();
    js_sys::Reflect::set(&change, &"limit".into(), &JsValue::from_f64(3.0)).unwrap();
    js_sys::Reflect::set(&change, &"title".into(), &"Champions".into()).unwrap();
    handle.update(change.into());
    until("three rows", || rows(&element, "top").len() == 3).await;
    assert_eq!(text(&element, "h2"), "Champions");

    // A tab click switches the period; the countdown appears for a period that resets.
    let daily: HtmlElement = all(&element, "[role=tab][data-period=daily]")[0]
        .clone()
        .unchecked_into();
    daily.click();
    until("daily selected", || {
        daily.get_attribute("aria-selected").as_deref() == Some("true")
    })
    .await;
    assert!(
        api.log
            .borrow()
            .iter()
            .any(|(url, _, _)| url.ends_with("period=daily"))
    );
    until("countdown", || {
        text(&element, "[data-testid=countdown]").starts_with("Resets in ")
    })
    .await;
    handle.destroy();
}

/// Presses `key` on `target` (a synthetic keydown that bubbles, as a keyboard's would); whether
/// the widget handled it (prevented its default).
fn press(target: &Element, key: &str) -> bool {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    !target.dispatch_event(&event).unwrap()
}

#[wasm_bindgen_test]
async fn period_tabs_work_with_the_keyboard() {
    let api = FakeApi::with(&[("a", "A", 3.0), ("b", "B", 2.0)]);
    *api.periods.borrow_mut() = vec!["alltime", "daily", "weekly"];
    let mut slow = options(None, 10);
    slow.interval_ms = 60_000;
    let (element, mut handle) = start(&api, slow);
    until("three tabs", || all(&element, "[role=tab]").len() == 3).await;
    until("rows", || rows(&element, "top").len() == 2).await;
    let tab = |period: &str| all(&element, &format!("[role=tab][data-period={period}]"))[0].clone();
    let focused = || {
        root(&element)
            .active_element()
            .and_then(|e| e.get_attribute("data-period"))
    };
    // (selected tab, tabs in the Tab order): exactly one of each, the same one.
    let state = || {
        let tabs = all(&element, "[role=tab]");
        let pick = |attribute: &str, value: &str| {
            tabs.iter()
                .filter(|t| t.get_attribute(attribute).as_deref() == Some(value))
                .filter_map(|t| t.get_attribute("data-period"))
                .collect::<Vec<_>>()
        };
        (pick("aria-selected", "true"), pick("tabindex", "0"))
    };
    let selected = |period: &str| (vec![period.to_owned()], vec![period.to_owned()]);
    let asked_for = |period: &str| {
        let suffix = format!("period={period}");
        api.log
            .borrow()
            .iter()
            .any(|(url, _, _)| url.contains("/top?") && url.ends_with(&suffix))
    };

    assert_eq!(
        state(),
        selected("alltime"),
        "the first period, alone in the Tab order"
    );
    let panel = root(&element)
        .query_selector("[role=tabpanel]")
        .unwrap()
        .expect("a tab panel");
    assert_eq!(
        tab("alltime").get_attribute("aria-controls"),
        panel.get_attribute("id")
    );
    assert!(
        panel.query_selector("table").unwrap().is_some(),
        "the panel holds the table"
    );

    let first = tab("alltime").unchecked_into::<HtmlElement>();
    first.focus().unwrap();
    assert!(press(&first, "ArrowRight"));
    assert_eq!(
        focused().as_deref(),
        Some("daily"),
        "ArrowRight moves focus"
    );
    let daily = tab("daily");
    until("ArrowRight selects the next tab", || {
        state() == selected("daily")
    })
    .await;
    until("daily page", || asked_for("daily")).await;
    until("countdown", || {
        text(&element, "[data-testid=countdown]").starts_with("Resets in ")
    })
    .await;
    assert!(
        daily.is_same_node(root(&element).active_element().as_ref().map(|e| e.as_ref())),
        "the focused tab keeps its node (and focus) when the new page arrives"
    );

    for (key, expected) in [
        ("ArrowRight", "weekly"),
        ("ArrowRight", "alltime"),
        ("ArrowLeft", "weekly"),
        ("Home", "alltime"),
        ("End", "weekly"),
        ("ArrowLeft", "daily"),
    ] {
        let on = root(&element).active_element().expect("a focused tab");
        assert!(press(&on, key), "{key} is handled");
        assert_eq!(focused().as_deref(), Some(expected), "{key} moves focus");
        until(key, || state() == selected(expected)).await;
    }
    until("weekly page", || asked_for("weekly")).await;

    // Enter and Space select the focused tab (focus can rest on an unselected one, e.g. moved
    // there by a script); other keys are left to the browser.
    tab("alltime")
        .unchecked_into::<HtmlElement>()
        .focus()
        .unwrap();
    assert!(!press(&tab("alltime"), "a"), "other keys pass through");
    sleep(20).await;
    assert_eq!(state(), selected("daily"));
    assert!(press(&tab("alltime"), "Enter"));
    until("Enter selects", || state() == selected("alltime")).await;
    tab("weekly")
        .unchecked_into::<HtmlElement>()
        .focus()
        .unwrap();
    assert!(press(&tab("weekly"), " "));
    until("Space selects", || state() == selected("weekly")).await;
    assert_eq!(all(&element, "[role=tab]").len(), 3);
    handle.destroy();
}

#[wasm_bindgen_test]
async fn destroy_stops_polling_and_removes_the_widget() {
    let api = FakeApi::with(&[("a", "A", 3.0)]);
    let (element, mut handle) = start(&api, options(None, 10));
    until("rows", || rows(&element, "top").len() == 1).await;
    assert!(Rc::strong_count(&api) > 1, "the widget holds the transport");
    handle.destroy();
    assert!(handle.is_destroyed());
    assert_eq!(root(&element).child_nodes().length(), 0);
    sleep(30).await;
    let after = api.requests();
    sleep(200).await;
    assert_eq!(api.requests(), after, "no polls after destroy");
    // Freed: the controller, its poll task, the view's closures and the listeners all let go of
    // the transport (an Rc cycle anywhere would keep it).
    assert_eq!(Rc::strong_count(&api), 1, "the widget's state is freed");
    handle.destroy();
}
