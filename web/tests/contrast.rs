//! WCAG AA contrast of the widget's default palette (web/src/style.css), light and dark: every
//! text colour against every background it is drawn on, at 4.5:1 (normal-size text).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashMap;

const STYLE: &str = include_str!("../src/style.css");
const AA_NORMAL_TEXT: f64 = 4.5;

/// The `--_name: var(--podium-…, #rrggbb)` defaults declared in the `:host` block that starts at
/// `from`.
fn palette(from: usize) -> HashMap<String, [u8; 3]> {
    let block = &STYLE[from..];
    let block = &block[..block.find('}').expect("a closing brace")];
    block
        .lines()
        .filter_map(|line| {
            let (name, value) = line.trim().strip_prefix("--_")?.split_once(':')?;
            let hex = value.split('#').nth(1)?.get(..6)?;
            let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
            Some((name.to_owned(), [channel(0)?, channel(2)?, channel(4)?]))
        })
        .collect()
}

/// WCAG 2 relative luminance.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn the_default_colours_meet_aa_in_light_and_dark() {
    let light = STYLE.find(":host {").expect("the light :host block");
    let dark_media = STYLE
        .find("@media (prefers-color-scheme: dark)")
        .expect("a dark block");
    let dark = dark_media
        + STYLE[dark_media..]
            .find(":host {")
            .expect("its :host block");
    // (text, background): the page background everywhere; the highlight behind the viewer's
    // row and under a changed row's flash.
    let pairs = [
        ("fg", "bg"),
        ("muted", "bg"),
        ("accent", "bg"),
        ("up", "bg"),
        ("down", "bg"),
        ("fg", "highlight"),
        ("accent", "highlight"),
        ("up", "highlight"),
        ("down", "highlight"),
    ];
    let mut checked = 0;
    for (scheme, at) in [("light", light), ("dark", dark)] {
        let colours = palette(at);
        for (text, background) in pairs {
            let (Some(&fg), Some(&bg)) = (colours.get(text), colours.get(background)) else {
                panic!("{scheme}: --_{text} or --_{background} has no default colour");
            };
            let ratio = contrast(fg, bg);
            assert!(
                ratio >= AA_NORMAL_TEXT,
                "{scheme}: --_{text} on --_{background} is {ratio:.2}:1, below {AA_NORMAL_TEXT}:1"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * pairs.len());
    // The ratio itself: black on white is 21:1, and a known AA miss is caught.
    assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
    assert!(contrast([0x99, 0x99, 0x99], [255, 255, 255]) < AA_NORMAL_TEXT);
}
