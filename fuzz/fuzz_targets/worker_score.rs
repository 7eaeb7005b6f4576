//! The Worker's validation of what a client sends: scores (as raw JSON text and as parsed JSON),
//! player ids and display names. Never panics; whatever is accepted is within the documented
//! bounds and reads back as itself; raw text and parsed JSON are judged alike.
#![no_main]

use libfuzzer_sys::fuzz_target;
use podium_core::{
    ApiError, DisplayName, MAX_DISPLAY_NAME_CHARS, MAX_SAFE_INTEGER, MIN_SAFE_INTEGER, PlayerId,
    Score, ScoreBounds,
};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let parsed: Option<Value> = serde_json::from_slice(data).ok();
    if let Some(value) = &parsed {
        let from_value = Score::try_from(value);
        if let Ok(score) = from_value {
            assert!((MIN_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&score.get()));
            assert_eq!(score.get().to_string().parse::<Score>(), Ok(score));
        }
        // Every refusal maps to one of the API's codes and statuses.
        if let Err(error) = from_value {
            let api = ApiError::from(error);
            assert_eq!(api.status(), 400);
        }
        let _ = ScoreBounds::FULL.parse(value);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let from_text = text.parse::<Score>();
    // The raw text (a RawValue from the body) and the parsed value agree.
    match &parsed {
        Some(value) => assert_eq!(
            from_text.is_ok(),
            Score::try_from(value).is_ok(),
            "{text:?}"
        ),
        None => assert!(from_text.is_err(), "{text:?} is not JSON but was accepted"),
    }
    if let Ok(score) = from_text {
        assert_eq!(
            serde_json::from_str::<i64>(text).ok(),
            Some(score.get()),
            "{text:?}"
        );
    }
    if let Ok(player) = PlayerId::try_from(text) {
        assert_eq!(player.as_str(), text);
        assert!(!text.contains(['{', '}', ' ', '/']));
    }
    if let Ok(name) = DisplayName::try_from(text) {
        assert_eq!(name.as_str(), text.trim());
        assert!(name.as_str().chars().count() <= MAX_DISPLAY_NAME_CHARS);
        assert!(!name.as_str().chars().any(char::is_control));
    }
});
