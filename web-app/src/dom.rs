//! A small builder over web-sys for the page's elements.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement, HtmlSelectElement, Window};

pub fn window() -> Window {
    web_sys::window().expect("the app runs in a window")
}

pub fn document() -> Document {
    window().document().expect("the window has a document")
}

/// An element being built.
pub struct El(pub Element);

/// Starts an element with this tag.
pub fn el(tag: &str) -> El {
    El(document().create_element(tag).expect("a valid tag"))
}

impl El {
    pub fn attr(self, name: &str, value: &str) -> El {
        let _ = self.0.set_attribute(name, value);
        self
    }

    pub fn attr_if(self, on: bool, name: &str, value: &str) -> El {
        if on { self.attr(name, value) } else { self }
    }

    pub fn class(self, class: &str) -> El {
        self.attr("class", class)
    }

    pub fn id(self, id: &str) -> El {
        self.attr("id", id)
    }

    pub fn text(self, text: &str) -> El {
        self.0.set_text_content(Some(text));
        self
    }

    pub fn child(self, child: El) -> El {
        let _ = self.0.append_child(&child.0);
        self
    }

    pub fn children(self, children: impl IntoIterator<Item = El>) -> El {
        for c in children {
            let _ = self.0.append_child(&c.0);
        }
        self
    }

    /// Adds an event handler for the element's lifetime (the closure is
    /// handed to JavaScript's garbage collector with the element).
    pub fn on(self, event: &str, handler: impl FnMut(web_sys::Event) + 'static) -> El {
        on(&self.0, event, handler);
        self
    }

    /// Sets the element's markup (for SVG made by `charts`, which escapes
    /// what it writes).
    pub fn html(self, markup: &str) -> El {
        self.0.set_inner_html(markup);
        self
    }

    pub fn style(self, css: &str) -> El {
        self.attr("style", css)
    }
}

pub fn on(target: &web_sys::EventTarget, event: &str, handler: impl FnMut(web_sys::Event) + 'static) {
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}

/// The element with this id.
pub fn by_id(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

/// Replaces the children of the element with this id.
pub fn fill(id: &str, children: impl IntoIterator<Item = El>) {
    if let Some(parent) = by_id(id) {
        parent.set_inner_html("");
        for c in children {
            let _ = parent.append_child(&c.0);
        }
    }
}

pub fn set_text(id: &str, text: &str) {
    if let Some(e) = by_id(id) {
        e.set_text_content(Some(text));
    }
}

pub fn show(id: &str, visible: bool) {
    if let Some(e) = by_id(id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
        e.set_hidden(!visible);
    }
}

pub fn input_value(id: &str) -> Option<String> {
    let e = by_id(id)?;
    if let Some(i) = e.dyn_ref::<HtmlInputElement>() {
        return Some(i.value());
    }
    e.dyn_ref::<HtmlSelectElement>().map(|s| s.value())
}

pub fn checked(id: &str) -> bool {
    by_id(id).and_then(|e| e.dyn_into::<HtmlInputElement>().ok()).is_some_and(|i| i.checked())
}

pub fn set_input(id: &str, value: &str) {
    if let Some(e) = by_id(id) {
        if let Some(i) = e.dyn_ref::<HtmlInputElement>() {
            i.set_value(value);
        } else if let Some(s) = e.dyn_ref::<HtmlSelectElement>() {
            s.set_value(value);
        }
    }
}

pub fn set_checked(id: &str, on: bool) {
    if let Some(i) = by_id(id).and_then(|e| e.dyn_into::<HtmlInputElement>().ok()) {
        i.set_checked(on);
    }
}

pub fn focus(id: &str) {
    if let Some(e) = by_id(id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
        let _ = e.focus();
    }
}

/// Milliseconds from the page's clock.
pub fn now() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// Waits for the next turn of the event loop, so the page can draw.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Local storage, if the browser allows it.
pub fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

pub fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten().filter(|s| !s.is_empty())
}

pub fn store(key: &str, value: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match value {
            Some(v) => s.set_item(key, v),
            None => s.remove_item(key),
        };
    }
}

/// An object URL for bytes, for a download link (`<a download>`).
pub fn blob_url(bytes: &[u8], mime: &str) -> Option<String> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}
