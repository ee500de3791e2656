//! Sentence embeddings in pure Rust: a BERT encoder (all-MiniLM-L6-v2 by default, from a
//! pinned registry package; see `scripts/fetch-models.sh`) whose token states are mean
//! pooled and scaled to unit length, as sentence-transformers does. Two texts that mean
//! the same thing get embeddings with a cosine near 1 even when they share no word, which
//! is what a word index cannot see ("who talked most" and "interaction stats").
//!
//! The model folder holds the files a sentence-transformers checkpoint has:
//! `config.json`, `model.safetensors` (float32) and `tokenizer.json`. The tokenizer is
//! Hugging Face's own crate reading that file; the network (embeddings, self-attention,
//! GELU feed-forward, layer norms) is written here over `matrixmultiply`, as CAM++ is in
//! parley-voice (`parley_gemm`): a few hundred lines instead of a tensor framework, and no native runtime
//! whose crash could take a process down. A 10-token sentence takes about 10 ms on one core.

use std::path::{Path, PathBuf};

use parley_gemm::gemm;
use safetensors::{Dtype, SafeTensors};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokenizers::{Tokenizer, TruncationParams};

/// The folder name `scripts/fetch-models.sh` installs the default model under.
pub const DEFAULT_MODEL: &str = "all-MiniLM-L6-v2";

/// Tokens beyond this are dropped (sentence-transformers' `max_seq_length` for MiniLM):
/// the cost of a text is bounded whatever its length.
pub const MAX_TOKENS: usize = 256;

/// Why a model folder could not be loaded. Encoding itself never fails.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot load the tokenizer {path}: {reason}")]
    Tokenizer { path: PathBuf, reason: String },
    #[error("unexpected sentence-encoder model: {0}")]
    Model(String),
}

/// The fields of a BERT `config.json` that shape the network.
#[derive(Deserialize)]
struct Config {
    hidden_size: usize,
    num_attention_heads: usize,
    num_hidden_layers: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    #[serde(default = "default_eps")]
    layer_norm_eps: f64,
    #[serde(default = "default_act")]
    hidden_act: String,
}

fn default_eps() -> f64 {
    1e-12
}

fn default_act() -> String {
    "gelu".into()
}

/// `y = x · Wᵀ + b` for `n` rows; `w` is `out × inp`, row-major, as PyTorch stores it.
struct Linear {
    w: Vec<f32>,
    b: Vec<f32>,
    inp: usize,
    out: usize,
}

impl Linear {
    fn apply(&self, x: &[f32], n: usize) -> Vec<f32> {
        let mut y = vec![0.0; n * self.out];
        gemm(
            (n, self.inp, self.out),
            (x, self.inp, 1),
            (&self.w, 1, self.inp),
            (&mut y, self.out, 1),
        );
        for row in y.chunks_exact_mut(self.out) {
            for (v, b) in row.iter_mut().zip(&self.b) {
                *v += b;
            }
        }
        y
    }
}

struct LayerNorm {
    g: Vec<f32>,
    b: Vec<f32>,
    eps: f32,
}

impl LayerNorm {
    fn apply(&self, x: &mut [f32]) {
        let d = self.g.len();
        for row in x.chunks_exact_mut(d) {
            let mean = row.iter().sum::<f32>() / d as f32;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / d as f32;
            let inv = 1.0 / (var + self.eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(&self.g).zip(&self.b) {
                *v = (*v - mean) * inv * g + b;
            }
        }
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    up: Linear,
    down: Linear,
    out_norm: LayerNorm,
}

/// A loaded sentence encoder. Shareable across threads; each call works on its own
/// buffers.
pub struct Encoder {
    tokenizer: Tokenizer,
    word: Vec<f32>,
    position: Vec<f32>,
    /// Token type 0's row: a single sentence is all type 0.
    token_type: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    dim: usize,
    heads: usize,
    max_tokens: usize,
    vocab: usize,
    fingerprint: [u8; 32],
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("dim", &self.dim)
            .field("layers", &self.layers.len())
            .field("heads", &self.heads)
            .finish()
    }
}

impl Encoder {
    /// Loads the model in `dir` (`config.json`, `model.safetensors`, `tokenizer.json`).
    pub fn load(dir: &Path) -> Result<Encoder, EmbedError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| EmbedError::Io { path, source })
        };
        let config: Config = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| EmbedError::Model(format!("config.json: {e}")))?;
        if config.hidden_act != "gelu" {
            return Err(EmbedError::Model(format!(
                "activation {:?} (only gelu is implemented)",
                config.hidden_act
            )));
        }
        if config.num_attention_heads == 0
            || !config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
        {
            return Err(EmbedError::Model(format!(
                "{} heads do not divide a width of {}",
                config.num_attention_heads, config.hidden_size
            )));
        }
        let bytes = read("model.safetensors")?;
        let tokenizer_bytes = read("tokenizer.json")?;
        let fingerprint = fingerprint(&[&read("config.json")?, &tokenizer_bytes], &bytes);
        let tensors = SafeTensors::deserialize(&bytes)
            .map_err(|e| EmbedError::Model(format!("model.safetensors: {e}")))?;
        let mut w = Weights { tensors: &tensors };
        let (d, ff) = (config.hidden_size, config.intermediate_size);
        let eps = config.layer_norm_eps as f32;

        let word = w.tensor("embeddings.word_embeddings.weight", None, d)?;
        let vocab = word.len() / d;
        let position = w.tensor(
            "embeddings.position_embeddings.weight",
            Some(config.max_position_embeddings),
            d,
        )?;
        let token_type = w.tensor("embeddings.token_type_embeddings.weight", None, d)?;
        let token_type = token_type[..d].to_vec();
        let embedding_norm = w.norm("embeddings.LayerNorm", d, eps)?;
        let layers = (0..config.num_hidden_layers)
            .map(|l| {
                let p = format!("encoder.layer.{l}.");
                Ok(Layer {
                    query: w.linear(&format!("{p}attention.self.query"), d, d)?,
                    key: w.linear(&format!("{p}attention.self.key"), d, d)?,
                    value: w.linear(&format!("{p}attention.self.value"), d, d)?,
                    attention_out: w.linear(&format!("{p}attention.output.dense"), d, d)?,
                    attention_norm: w.norm(&format!("{p}attention.output.LayerNorm"), d, eps)?,
                    up: w.linear(&format!("{p}intermediate.dense"), d, ff)?,
                    down: w.linear(&format!("{p}output.dense"), ff, d)?,
                    out_norm: w.norm(&format!("{p}output.LayerNorm"), d, eps)?,
                })
            })
            .collect::<Result<Vec<_>, EmbedError>>()?;

        let path = dir.join("tokenizer.json");
        let tokenizer_error = |reason: String| EmbedError::Tokenizer {
            path: path.clone(),
            reason,
        };
        let mut tokenizer =
            Tokenizer::from_bytes(&tokenizer_bytes).map_err(|e| tokenizer_error(e.to_string()))?;
        // The file pads every text to 128 tokens for batching; one text at a time needs
        // no padding, and padding would be averaged into the sentence.
        tokenizer.with_padding(None);
        let max_tokens = MAX_TOKENS.min(config.max_position_embeddings);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| tokenizer_error(e.to_string()))?;

        Ok(Encoder {
            tokenizer,
            word,
            position,
            token_type,
            embedding_norm,
            layers,
            dim: d,
            heads: config.num_attention_heads,
            max_tokens,
            vocab,
            fingerprint,
        })
    }

    /// Identifies the model for caches of its embeddings: a SHA-256 over the config, the
    /// tokenizer, the weights' header and a sample of the weights (every 64 KiB), so that
    /// checking it costs microseconds, not a pass over 90 MB.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The length of an embedding.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The unit-length embedding of `text` (all zeros for text that makes no token, which
    /// cannot happen with BERT's tokenizer: it always adds `[CLS]` and `[SEP]`).
    pub fn encode(&self, text: &str) -> Vec<f32> {
        let ids: Vec<usize> = match self.tokenizer.encode(text, true) {
            Ok(encoding) => encoding
                .get_ids()
                .iter()
                .map(|&id| id as usize)
                .filter(|&id| id < self.vocab)
                .take(self.max_tokens)
                .collect(),
            // The tokenizer fails only on a broken model file, which `load` would have
            // refused; an empty text embeds as nothing.
            Err(_) => Vec::new(),
        };
        let n = ids.len();
        let d = self.dim;
        if n == 0 {
            return vec![0.0; d];
        }
        let mut x = vec![0.0; n * d];
        for (i, &id) in ids.iter().enumerate() {
            let row = &mut x[i * d..(i + 1) * d];
            let word = &self.word[id * d..(id + 1) * d];
            let position = &self.position[i * d..(i + 1) * d];
            for j in 0..d {
                row[j] = word[j] + position[j] + self.token_type[j];
            }
        }
        self.embedding_norm.apply(&mut x);
        for layer in &self.layers {
            self.layer(layer, &mut x, n);
        }
        let mut pooled = vec![0.0; d];
        for row in x.chunks_exact(d) {
            for (p, v) in pooled.iter_mut().zip(row) {
                *p += v;
            }
        }
        let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for p in &mut pooled {
                *p /= norm;
            }
        }
        pooled
    }

    /// One transformer block, in place on `x` (`n × dim`).
    fn layer(&self, layer: &Layer, x: &mut [f32], n: usize) {
        let d = self.dim;
        let dh = d / self.heads;
        let q = layer.query.apply(x, n);
        let k = layer.key.apply(x, n);
        let v = layer.value.apply(x, n);
        let scale = 1.0 / (dh as f32).sqrt();
        let mut context = vec![0.0; n * d];
        let mut scores = vec![0.0; n * n];
        for h in 0..self.heads {
            let at = h * dh;
            // scores = Q_h · K_hᵀ
            gemm(
                (n, dh, n),
                (&q[at..], d, 1),
                (&k[at..], 1, d),
                (&mut scores, n, 1),
            );
            for row in scores.chunks_exact_mut(n) {
                let max = row.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
                let mut sum = 0.0;
                for s in row.iter_mut() {
                    *s = ((*s - max) * scale).exp();
                    sum += *s;
                }
                for s in row.iter_mut() {
                    *s /= sum;
                }
            }
            // context_h = softmax(scores) · V_h
            gemm(
                (n, n, dh),
                (&scores, n, 1),
                (&v[at..], d, 1),
                (&mut context[at..], d, 1),
            );
        }
        let attended = layer.attention_out.apply(&context, n);
        for (a, b) in x.iter_mut().zip(&attended) {
            *a += b;
        }
        layer.attention_norm.apply(x);
        let mut hidden = layer.up.apply(x, n);
        for h in &mut hidden {
            *h = gelu(*h);
        }
        let out = layer.down.apply(&hidden, n);
        for (a, b) in x.iter_mut().zip(&out) {
            *a += b;
        }
        layer.out_norm.apply(x);
    }
}

/// BERT's exact GELU: `x · Φ(x)`.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// The tensors of a safetensors file by name, with and without a `bert.` prefix (both
/// exports exist).
struct Weights<'a> {
    tensors: &'a SafeTensors<'a>,
}

impl Weights<'_> {
    /// A float32 tensor of `rows × cols` (`rows` unchecked when `None`).
    fn tensor(
        &mut self,
        name: &str,
        rows: Option<usize>,
        cols: usize,
    ) -> Result<Vec<f32>, EmbedError> {
        let view = self
            .tensors
            .tensor(name)
            .or_else(|_| self.tensors.tensor(&format!("bert.{name}")))
            .map_err(|_| EmbedError::Model(format!("no tensor {name}")))?;
        if view.dtype() != Dtype::F32 {
            return Err(EmbedError::Model(format!(
                "{name} is {:?}; float32 weights are expected",
                view.dtype()
            )));
        }
        let shape = view.shape();
        let ok = match shape {
            [r, c] => *c == cols && rows.is_none_or(|want| *r >= want),
            [c] => *c == cols && rows.is_none(),
            _ => false,
        };
        if !ok {
            return Err(EmbedError::Model(format!(
                "{name} has shape {shape:?}, expected {rows:?} × {cols}"
            )));
        }
        Ok(view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    fn linear(&mut self, name: &str, inp: usize, out: usize) -> Result<Linear, EmbedError> {
        let w = self.tensor(&format!("{name}.weight"), Some(out), inp)?;
        if w.len() != out * inp {
            return Err(EmbedError::Model(format!(
                "{name}.weight is not {out} × {inp}"
            )));
        }
        let b = self.tensor(&format!("{name}.bias"), None, out)?;
        Ok(Linear { w, b, inp, out })
    }

    fn norm(&mut self, name: &str, d: usize, eps: f32) -> Result<LayerNorm, EmbedError> {
        Ok(LayerNorm {
            g: self.tensor(&format!("{name}.weight"), None, d)?,
            b: self.tensor(&format!("{name}.bias"), None, d)?,
            eps,
        })
    }
}

fn fingerprint(files: &[&[u8]], weights: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    for f in files {
        h.update((f.len() as u64).to_le_bytes());
        h.update(f);
    }
    h.update((weights.len() as u64).to_le_bytes());
    let header = weights
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
        .unwrap_or(0)
        .saturating_add(8)
        .min(weights.len());
    h.update(&weights[..header]);
    for at in (header..weights.len()).step_by(1 << 16) {
        h.update(&weights[at..(at + 64).min(weights.len())]);
    }
    h.finalize().into()
}

/// Where the default model is installed under a models folder.
pub fn default_model_dir(models: &Path) -> PathBuf {
    models.join(DEFAULT_MODEL)
}
