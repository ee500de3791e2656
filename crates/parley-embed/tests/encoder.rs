//! The encoder against the reference: sentence-transformers' all-MiniLM-L6-v2 as PyTorch
//! computes it (mean pooling, unit length). The reference numbers were taken from a NumPy
//! forward pass of the same checkpoint whose similarities match the model card's behaviour;
//! a wrong layer norm, attention scale, GELU or pooling moves them far past the tolerance.
//!
//! The model comes from `scripts/fetch-models.sh` (the README's set-up runs it), in
//! `$PARLEY_MODELS` or `~/.cache/parley/models`.

use std::path::PathBuf;
use std::sync::OnceLock;

use parley_embed::{default_model_dir, EmbedError, Encoder};

fn models() -> PathBuf {
    std::env::var_os("PARLEY_MODELS")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/parley/models")
        })
}

fn encoder() -> &'static Encoder {
    static ENCODER: OnceLock<Encoder> = OnceLock::new();
    ENCODER.get_or_init(|| {
        let dir = default_model_dir(&models());
        Encoder::load(&dir).unwrap_or_else(|e| {
            panic!("{e}: run scripts/fetch-models.sh (the README's set-up) or set PARLEY_MODELS")
        })
    })
}

fn cos(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn matches_the_reference_forward_pass() {
    let e = encoder();
    assert_eq!(e.dim(), 384);
    let a = e.encode("list calls from last week");
    let reference = [-0.05192, -0.03878, -0.01995, -0.03996, -0.01129, 0.06602];
    for (i, (got, want)) in a.iter().zip(reference).enumerate() {
        assert!(
            (got - want).abs() < 2e-4,
            "component {i}: {got} against {want}"
        );
    }
    let norm = cos(&a, &a).sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "not unit length: {norm}");
    let b = e.encode("show me last week's calls");
    let c = e.encode("delete a user's data");
    assert!((cos(&a, &b) - 0.81182).abs() < 1e-3, "{}", cos(&a, &b));
    assert!((cos(&a, &c) - 0.08943).abs() < 1e-3, "{}", cos(&a, &c));
}

#[test]
fn long_and_odd_text_is_bounded_and_never_fails() {
    let e = encoder();
    let long = "calls ".repeat(5_000);
    let v = e.encode(&long);
    assert_eq!(v.len(), 384);
    assert!(v.iter().all(|x| x.is_finite()));
    for text in [
        "",
        "   ",
        "\u{0}\u{feff}",
        "ünïcödé 🎉 通话",
        "<script>alert(1)</script>",
    ] {
        let v = e.encode(text);
        assert_eq!(v.len(), 384, "{text:?}");
        assert!(v.iter().all(|x| x.is_finite()), "{text:?}");
    }
}

#[test]
fn a_missing_or_broken_model_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Encoder::load(dir.path()),
        Err(EmbedError::Io { .. })
    ));
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 1,
            "intermediate_size": 16, "max_position_embeddings": 16}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("tokenizer.json"), "{}").unwrap();
    std::fs::write(dir.path().join("model.safetensors"), b"not safetensors").unwrap();
    let err = Encoder::load(dir.path()).unwrap_err();
    assert!(matches!(err, EmbedError::Model(_)), "{err}");
}
