//! Mounting: the shadow root with the widget's stylesheet, the Leptos view, the poll loop and the
//! page listeners it needs, and their release on destroy.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::components::Leaderboard;
use crate::model::Options;
use crate::poll::Controller;
use crate::signals::Signals;
use crate::transport::Transport;

const STYLE: &str = include_str!("style.css");

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
            let signals = Signals::new(options);
            let controller = Rc::new(Controller::new(transport, signals));
            *slot.borrow_mut() = Some(controller.clone());
            // Before the view is built, so that building it overlaps the network.
            controller.start();
            let controller = SendWrapper::new(controller);
            let for_more = controller.clone();
            let select = move |period: String| controller.select_period(period);
            let more = move || for_more.show_more();
            view! { <Leaderboard signals=signals select=select more=more/> }
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

        let now = controller.signals().now;
        let tick = Closure::<dyn FnMut()>::new(move || {
            now.try_set(js_sys::Date::now());
        });
        let tick_id = window().set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            1000,
        )?;

        // Once the first requests are in flight: a page's first `Intl.NumberFormat` is slow (ICU
        // data), better paid while waiting on the network than between the answer and the paint.
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
