//! The poll loop's wait between polls.

use std::cell::{Cell, RefCell};

use leptos::prelude::window;
use wasm_bindgen::JsValue;

/// A sleep that [`Alarm::wake`] ends early (options changed, page visible again, destroyed).
#[derive(Default)]
pub(crate) struct Alarm {
    resolve: RefCell<Option<js_sys::Function>>,
    timer: Cell<Option<i32>>,
    woken: Cell<bool>,
}

impl Alarm {
    /// Sleeps `ms` milliseconds, or until woken when `None`.
    pub(crate) async fn sleep(&self, ms: Option<u32>) {
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

    /// Ends the current sleep, or the next one when none is running (so a wake is never lost).
    pub(crate) fn wake(&self) {
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
