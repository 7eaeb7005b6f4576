//! Podium's embeddable live leaderboard: `<podium-leaderboard>` and `mount(element, options)`.
//!
//! - `model`: the pure parts (options and URLs, API shapes, rank movement, backoff, countdown),
//!   compiled natively and unit tested.
//! - `json` (wasm): the API's answers decoded with the browser's `JSON.parse`.
//! - `transport` (wasm): the [`Transport`] trait (one conditional GET) and the browser's fetch.
//! - `poll` (wasm): the `Controller`, the poll loop (ETags, backoff, the viewer's neighbourhood).
//! - `timer` (wasm): the `Alarm` the loop sleeps on between polls, woken early by option changes,
//!   visibility and destroy.
//! - `signals` (wasm): the reactive state the loop writes and the view reads, and its `Row`s.
//! - `format` (wasm): numbers in the page's locale (`Intl.NumberFormat`), the rank announcement.
//! - `components` (wasm): the Leptos view (`Leaderboard`, `BoardRow`, `PeriodTabs`).
//! - `mount` (wasm): the shadow root, the view and the page listeners, released on destroy.
//! - the `wasm` module below: the JS API ([`mount`], [`WidgetHandle`]) and the element's
//!   definition at module start.
//! - `js/element.js`: the custom element, calling [`mount`]; `js/podium-widget.js`: the package
//!   entry that loads the wasm (copied into `web/pkg` by `scripts/build-widget.sh`).

mod model;

pub use model::{
    BoardInfo, BoardList, BoardPage, Entry, Movement, Options, PeriodInfo, PeriodRef, RankMemory,
    Setting, backoff_ms, countdown, encode, parse_interval, parse_limit, period_label,
};

#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod format;
#[cfg(target_arch = "wasm32")]
mod json;
#[cfg(target_arch = "wasm32")]
mod mount;
#[cfg(target_arch = "wasm32")]
mod poll;
#[cfg(target_arch = "wasm32")]
mod signals;
#[cfg(target_arch = "wasm32")]
mod timer;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
pub use transport::{FetchTransport, LocalFuture, Reply, Transport, TransportError};
#[cfg(target_arch = "wasm32")]
pub use wasm::{WidgetHandle, mount, mount_with};

#[cfg(target_arch = "wasm32")]
mod wasm {
    use std::rc::Rc;

    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::HtmlElement;

    use crate::model::{Options, Setting};
    use crate::mount::Mounted;
    use crate::transport::{FetchTransport, Transport};

    /// The element's tag.
    const TAG: &str = "podium-leaderboard";
    /// Option names, the same as the element's attributes.
    const OPTION_NAMES: [&str; 8] = [
        "endpoint", "board", "limit", "period", "player", "interval", "title", "locale",
    ];

    #[wasm_bindgen(module = "/js/element.js")]
    extern "C" {
        #[wasm_bindgen(js_name = defineElement)]
        fn define_element(tag: &str, mount: &Closure<dyn FnMut(HtmlElement, JsValue) -> JsValue>);
    }

    /// Defines `<podium-leaderboard>` when the module loads.
    #[wasm_bindgen(start)]
    fn start() {
        let mount =
            Closure::<dyn FnMut(HtmlElement, JsValue) -> JsValue>::new(|element, options| {
                match mount(element, options) {
                    Ok(handle) => handle.into(),
                    Err(error) => {
                        web_sys::console::error_1(&error);
                        JsValue::UNDEFINED
                    }
                }
            });
        define_element(TAG, &mount);
        // Lives as long as the page: the element class calls it for every instance.
        mount.forget();
    }

    /// Applies a JS options object: keys present set (or, when `null`, reset) that option; other
    /// keys keep theirs. Numbers are accepted for `limit` and `interval` (seconds).
    fn apply_js(options: &mut Options, value: &JsValue) {
        if !value.is_object() {
            return;
        }
        for name in OPTION_NAMES {
            let setting = match js_sys::Reflect::get(value, &name.into()) {
                Ok(v) if v.is_undefined() => Setting::Keep,
                Ok(v) if v.is_null() => Setting::Reset,
                Ok(v) => match (v.as_string(), v.as_f64()) {
                    (Some(text), _) => Setting::Set(text),
                    // JS's own number-to-string: Rust's float formatting is large in wasm.
                    (None, Some(_)) => Setting::Set(
                        js_sys::Number::unchecked_from_js(v)
                            .to_string_with_radix(10)
                            .map(String::from)
                            .unwrap_or_default(),
                    ),
                    _ => Setting::Keep,
                },
                Err(_) => Setting::Keep,
            };
            options.apply(name, setting);
        }
    }

    /// A mounted widget, as JS sees it.
    #[wasm_bindgen]
    pub struct WidgetHandle {
        mounted: Option<Mounted>,
    }

    impl std::fmt::Debug for WidgetHandle {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("WidgetHandle")
                .field("mounted", &self.mounted.is_some())
                .finish()
        }
    }

    #[wasm_bindgen]
    impl WidgetHandle {
        /// Changes some options (same names as the attributes); takes effect at once.
        pub fn update(&self, options: JsValue) {
            if let Some(mounted) = &self.mounted {
                let mut next = mounted.controller_options();
                apply_js(&mut next, &options);
                mounted.controller.set_options(next);
            }
        }

        /// Stops polling, removes the widget's DOM and frees its state. Idempotent.
        pub fn destroy(&mut self) {
            if let Some(mut mounted) = self.mounted.take() {
                mounted.destroy();
            }
        }
    }

    impl WidgetHandle {
        /// Replaces all options (Rust callers and tests).
        pub fn set_options(&self, options: Options) {
            if let Some(mounted) = &self.mounted {
                mounted.controller.set_options(options);
            }
        }

        /// Whether `destroy` has run.
        pub fn is_destroyed(&self) -> bool {
            self.mounted.is_none()
        }
    }

    /// Mounts a widget into `element`'s shadow root and starts polling with the browser's fetch.
    #[wasm_bindgen]
    pub fn mount(element: HtmlElement, options: JsValue) -> Result<WidgetHandle, JsValue> {
        let mut parsed = Options::default();
        apply_js(&mut parsed, &options);
        mount_with(&element, parsed, Rc::new(FetchTransport))
    }

    /// [`mount`] with any [`Transport`] (tests pass a fake one).
    pub fn mount_with(
        element: &HtmlElement,
        options: Options,
        transport: Rc<dyn Transport>,
    ) -> Result<WidgetHandle, JsValue> {
        Ok(WidgetHandle {
            mounted: Some(Mounted::new(element, options, transport)?),
        })
    }
}
