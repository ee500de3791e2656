//! The pickle machine for torch's serialization of a `state_dict`: the object in the zip
//! format's (`torch_zip`) `data.pkl`, whose tensors are strided views of storages stored
//! beside it.
//!
//! The pickle machine here is deliberately minimal: it knows only the opcodes and globals a
//! protocol-2 torch checkpoint of plain float tensors uses, and rejects everything else with an
//! error naming the opcode. That keeps it small, auditable and unable to run arbitrary code
//! (which is what Python's own unpickler would do with a hostile file).

use std::collections::HashMap;

use crate::error::VoiceError;

/// Bound on nesting and element counts so that a hostile file cannot make us allocate wildly.
const MAX_DIMS: usize = 8;

/// A dense row-major `f32` tensor read from a checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Runs one pickle (the zip format's `data.pkl`) whose object is a state dict: a dict of
/// tensor name to tensor, in file order. Non-float tensors (BatchNorm's `num_batches_tracked`
/// counters) are included; callers skip what they do not need.
pub(crate) fn read_state_dict_pickle(bytes: &[u8]) -> Result<Vec<(String, TensorRef)>, VoiceError> {
    let mut p = Parser::new(bytes);
    let state = p.load()?;
    if p.pos != bytes.len() {
        return Err(fmt_err(p.pos, "trailing bytes after the state-dict pickle"));
    }
    let Some(Obj::Dict(entries)) = p.obj(&state) else {
        return Err(fmt_err(0, "state dict is not a dict"));
    };
    entries
        .iter()
        .map(|(k, v)| match (k, p.obj(v)) {
            (Value::Str(name), Some(Obj::Tensor(t))) => Ok((name.clone(), t.clone())),
            _ => Err(fmt_err(0, "state-dict entry is not a named tensor")),
        })
        .collect()
}

/// Copies a strided view out of a storage into a dense row-major buffer; `None` when the view
/// reaches outside the storage.
pub(crate) fn gather(storage: &[u8], t: &TensorRef) -> Option<Vec<f32>> {
    let numel = storage.len() / 4;
    let count = t
        .size
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
    if count == 0 {
        return Some(Vec::new());
    }
    // Largest element index the view touches; checked so a hostile stride cannot wrap around.
    let mut last = t.offset;
    for (&d, &s) in t.size.iter().zip(&t.stride) {
        last = last.checked_add((d - 1).checked_mul(s)?)?;
    }
    if last >= numel {
        return None;
    }
    let read = |i: usize| {
        let b = &storage[4 * i..4 * i + 4];
        f32::from_le_bytes([b[0], b[1], b[2], b[3]])
    };
    let mut out = Vec::with_capacity(count);
    let mut index = vec![0usize; t.size.len()];
    for _ in 0..count {
        let flat = t.offset
            + index
                .iter()
                .zip(&t.stride)
                .map(|(i, s)| i * s)
                .sum::<usize>();
        out.push(read(flat));
        // Odometer increment, last dimension fastest (row-major).
        for d in (0..index.len()).rev() {
            index[d] += 1;
            if index[d] < t.size[d] {
                break;
            }
            index[d] = 0;
        }
    }
    Some(out)
}

/// A [`VoiceError::Format`] at byte `offset`.
pub(crate) fn fmt_err(offset: usize, reason: impl Into<String>) -> VoiceError {
    VoiceError::Format {
        offset,
        reason: reason.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    /// Index into the parser's object arena. Containers live there so that a memoised
    /// container filled after `BINPUT` is seen filled through `BINGET`, as in Python.
    Obj(usize),
    /// `MARK` on the stack.
    Mark,
}

#[derive(Debug, Clone)]
enum Obj {
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Global(Global),
    Storage {
        key: String,
        numel: usize,
        dtype: Dtype,
    },
    Tensor(TensorRef),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Global {
    OrderedDict,
    RebuildTensorV2,
    FloatStorage,
    LongStorage,
}

/// Element type of a storage. Only `F32` data is ever decoded; `I64` is recognised so that a
/// state dict holding BatchNorm counters parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    F32,
    I64,
}

impl Dtype {
    pub(crate) fn size(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::I64 => 8,
        }
    }
}

/// A tensor as the pickle describes it: a strided view of a named storage.
#[derive(Debug, Clone)]
pub(crate) struct TensorRef {
    pub storage_key: String,
    pub storage_numel: usize,
    pub dtype: Dtype,
    pub offset: usize,
    pub size: Vec<usize>,
    pub stride: Vec<usize>,
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    arena: Vec<Obj>,
}

impl<'a> Parser<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            arena: Vec::new(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], VoiceError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| fmt_err(self.pos, "unexpected end of file"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], VoiceError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn line(&mut self) -> Result<String, VoiceError> {
        let at = self.pos;
        let rest = &self.bytes[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| fmt_err(at, "unterminated GLOBAL name"))?;
        let s =
            std::str::from_utf8(&rest[..n]).map_err(|_| fmt_err(at, "GLOBAL name is not utf-8"))?;
        self.pos += n + 1;
        Ok(s.to_owned())
    }

    fn alloc(&mut self, o: Obj) -> Value {
        self.arena.push(o);
        Value::Obj(self.arena.len() - 1)
    }

    fn obj(&self, v: &Value) -> Option<&Obj> {
        match v {
            Value::Obj(i) => self.arena.get(*i),
            _ => None,
        }
    }

    /// Runs the pickle machine until `STOP` and returns the object on top of the stack.
    fn load(&mut self) -> Result<Value, VoiceError> {
        let mut stack: Vec<Value> = Vec::new();
        let mut memo: HashMap<u32, Value> = HashMap::new();
        loop {
            let at = self.pos;
            let op = self.take(1)?[0];
            match op {
                // PROTO: torch writes protocol 2.
                0x80 => {
                    let v = self.take(1)?[0];
                    if v != 2 {
                        return Err(fmt_err(at, format!("unsupported pickle protocol {v}")));
                    }
                }
                // STOP
                b'.' => {
                    let top = stack
                        .pop()
                        .ok_or_else(|| fmt_err(at, "STOP on empty stack"))?;
                    if !stack.is_empty() {
                        return Err(fmt_err(at, "STOP with leftover stack"));
                    }
                    return Ok(top);
                }
                // LONG1: little-endian two's complement of n bytes.
                0x8a => {
                    let n = usize::from(self.take(1)?[0]);
                    if n > 16 {
                        return Err(fmt_err(at, "LONG1 integer too large"));
                    }
                    let b = self.take(n)?;
                    let mut buf = [0u8; 16];
                    buf[..n].copy_from_slice(b);
                    if n > 0 && b[n - 1] & 0x80 != 0 {
                        buf[n..].fill(0xff);
                    }
                    stack.push(Value::Int(i128::from_le_bytes(buf)));
                }
                b'J' => stack.push(Value::Int(i32::from_le_bytes(self.take_array()?).into())),
                b'K' => stack.push(Value::Int(self.take(1)?[0].into())),
                b'M' => stack.push(Value::Int(u16::from_le_bytes(self.take_array()?).into())),
                // BINFLOAT is big-endian, unlike everything else in pickle.
                b'G' => stack.push(Value::Float(f64::from_be_bytes(self.take_array()?))),
                b'X' => {
                    let n = u32::from_le_bytes(self.take_array()?) as usize;
                    let s = std::str::from_utf8(self.take(n)?)
                        .map_err(|_| fmt_err(at, "BINUNICODE is not utf-8"))?;
                    stack.push(Value::Str(s.to_owned()));
                }
                b'N' => stack.push(Value::None),
                0x88 => stack.push(Value::Bool(true)),
                0x89 => stack.push(Value::Bool(false)),
                b'}' => {
                    let v = self.alloc(Obj::Dict(Vec::new()));
                    stack.push(v);
                }
                b']' => {
                    let v = self.alloc(Obj::List(Vec::new()));
                    stack.push(v);
                }
                b')' => {
                    let v = self.alloc(Obj::Tuple(Vec::new()));
                    stack.push(v);
                }
                b'(' => stack.push(Value::Mark),
                b't' => {
                    let items = pop_mark(&mut stack, at)?;
                    let v = self.alloc(Obj::Tuple(items));
                    stack.push(v);
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let items = pop_n(&mut stack, n, at)?;
                    let v = self.alloc(Obj::Tuple(items));
                    stack.push(v);
                }
                b'a' | b'e' => {
                    let items = if op == b'a' {
                        pop_n(&mut stack, 1, at)?
                    } else {
                        pop_mark(&mut stack, at)?
                    };
                    let target = stack
                        .last()
                        .ok_or_else(|| fmt_err(at, "APPEND on empty stack"))?;
                    match target {
                        Value::Obj(i) => match self.arena.get_mut(*i) {
                            Some(Obj::List(l)) => l.extend(items),
                            _ => return Err(fmt_err(at, "APPEND to a non-list")),
                        },
                        _ => return Err(fmt_err(at, "APPEND to a non-list")),
                    }
                }
                b's' | b'u' => {
                    let items = if op == b's' {
                        pop_n(&mut stack, 2, at)?
                    } else {
                        pop_mark(&mut stack, at)?
                    };
                    if items.len() % 2 != 0 {
                        return Err(fmt_err(at, "SETITEMS with an odd number of items"));
                    }
                    let target = stack
                        .last()
                        .ok_or_else(|| fmt_err(at, "SETITEM on empty stack"))?;
                    let dict = match target {
                        Value::Obj(i) => match self.arena.get_mut(*i) {
                            Some(Obj::Dict(d)) => d,
                            _ => return Err(fmt_err(at, "SETITEM on a non-dict")),
                        },
                        _ => return Err(fmt_err(at, "SETITEM on a non-dict")),
                    };
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        // Python dict semantics: a repeated key replaces the earlier value.
                        match dict.iter_mut().find(|(ek, _)| *ek == k) {
                            Some(slot) => slot.1 = v,
                            None => dict.push((k, v)),
                        }
                    }
                }
                b'q' | b'r' => {
                    let idx = if op == b'q' {
                        u32::from(self.take(1)?[0])
                    } else {
                        u32::from_le_bytes(self.take_array()?)
                    };
                    let top = stack
                        .last()
                        .ok_or_else(|| fmt_err(at, "PUT on empty stack"))?;
                    memo.insert(idx, top.clone());
                }
                b'h' => {
                    let idx = u32::from(self.take(1)?[0]);
                    let v = memo
                        .get(&idx)
                        .ok_or_else(|| fmt_err(at, format!("BINGET of unknown memo {idx}")))?;
                    stack.push(v.clone());
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    let g = match (module.as_str(), name.as_str()) {
                        ("collections", "OrderedDict") => Global::OrderedDict,
                        ("torch._utils", "_rebuild_tensor_v2") => Global::RebuildTensorV2,
                        ("torch", "FloatStorage") => Global::FloatStorage,
                        ("torch", "LongStorage") => Global::LongStorage,
                        _ => {
                            return Err(fmt_err(
                                at,
                                format!(
                                "unsupported global {module}.{name} (only float tensors are read)"
                            ),
                            ))
                        }
                    };
                    let v = self.alloc(Obj::Global(g));
                    stack.push(v);
                }
                b'Q' => {
                    let pid = pop_n(&mut stack, 1, at)?.remove(0);
                    let v = self.storage_from_pid(&pid, at)?;
                    stack.push(v);
                }
                b'R' => {
                    let mut both = pop_n(&mut stack, 2, at)?;
                    let args = both.pop().unwrap_or(Value::None);
                    let func = both.pop().unwrap_or(Value::None);
                    let v = self.reduce(&func, &args, at)?;
                    stack.push(v);
                }
                // BUILD: torch sets `_metadata` on the state dict's OrderedDict; that
                // attribute carries module versions we do not need, so the state is dropped.
                b'b' => {
                    pop_n(&mut stack, 1, at)?;
                    match stack.last().and_then(|v| self.obj(v)) {
                        Some(Obj::Dict(_)) => {}
                        _ => return Err(fmt_err(at, "BUILD on something other than a dict")),
                    }
                }
                _ => return Err(fmt_err(at, format!("unsupported pickle opcode 0x{op:02x}"))),
            }
        }
    }

    /// `('storage', FloatStorage, key, location, numel[, view_metadata])` to a storage.
    fn storage_from_pid(&mut self, pid: &Value, at: usize) -> Result<Value, VoiceError> {
        let bad = || fmt_err(at, "persistent id is not a storage reference");
        let Some(Obj::Tuple(items)) = self.obj(pid) else {
            return Err(bad());
        };
        let (tag, kind, key, numel) = match items.as_slice() {
            [t, k, key, _location, n] | [t, k, key, _location, n, Value::None] => (t, k, key, n),
            _ => return Err(bad()),
        };
        if *tag != Value::Str("storage".into()) {
            return Err(bad());
        }
        let dtype = match self.obj(kind) {
            Some(Obj::Global(Global::FloatStorage)) => Dtype::F32,
            Some(Obj::Global(Global::LongStorage)) => Dtype::I64,
            _ => return Err(bad()),
        };
        let (Value::Str(key), Value::Int(numel)) = (key, numel) else {
            return Err(bad());
        };
        let numel = usize::try_from(*numel).map_err(|_| bad())?;
        let key = key.clone();
        Ok(self.alloc(Obj::Storage { key, numel, dtype }))
    }

    fn reduce(&mut self, func: &Value, args: &Value, at: usize) -> Result<Value, VoiceError> {
        let Some(Obj::Tuple(args)) = self.obj(args).cloned() else {
            return Err(fmt_err(at, "REDUCE arguments are not a tuple"));
        };
        match self.obj(func) {
            Some(Obj::Global(Global::OrderedDict)) if args.is_empty() => {
                Ok(self.alloc(Obj::Dict(Vec::new())))
            }
            Some(Obj::Global(Global::RebuildTensorV2)) => {
                let bad = |what: &str| fmt_err(at, format!("bad _rebuild_tensor_v2 {what}"));
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks)
                let [storage, offset, size, stride, ..] = args.as_slice() else {
                    return Err(bad("arguments"));
                };
                let Some(Obj::Storage { key, numel, dtype }) = self.obj(storage).cloned() else {
                    return Err(bad("storage"));
                };
                let Value::Int(offset) = offset else {
                    return Err(bad("offset"));
                };
                let offset = usize::try_from(*offset).map_err(|_| bad("offset"))?;
                let size = self.usize_tuple(size).ok_or_else(|| bad("size"))?;
                let stride = self.usize_tuple(stride).ok_or_else(|| bad("stride"))?;
                if size.len() != stride.len() || size.len() > MAX_DIMS {
                    return Err(bad("shape"));
                }
                Ok(self.alloc(Obj::Tensor(TensorRef {
                    storage_key: key,
                    storage_numel: numel,
                    dtype,
                    offset,
                    size,
                    stride,
                })))
            }
            _ => Err(fmt_err(at, "REDUCE of an unsupported callable")),
        }
    }

    fn usize_tuple(&self, v: &Value) -> Option<Vec<usize>> {
        match self.obj(v)? {
            Obj::Tuple(items) => items
                .iter()
                .map(|i| match i {
                    Value::Int(n) => usize::try_from(*n).ok(),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
}

fn pop_n(stack: &mut Vec<Value>, n: usize, at: usize) -> Result<Vec<Value>, VoiceError> {
    if stack.len() < n || stack[stack.len() - n..].contains(&Value::Mark) {
        return Err(fmt_err(at, "stack underflow"));
    }
    Ok(stack.split_off(stack.len() - n))
}

fn pop_mark(stack: &mut Vec<Value>, at: usize) -> Result<Vec<Value>, VoiceError> {
    let m = stack
        .iter()
        .rposition(|v| *v == Value::Mark)
        .ok_or_else(|| fmt_err(at, "no MARK on the stack"))?;
    let items = stack.split_off(m + 1);
    stack.pop();
    Ok(items)
}

/// Pickle bytes for the readers' tests.
#[cfg(test)]
pub(crate) mod fixture {
    /// BINUNICODE `s`.
    pub(crate) fn push_str(b: &mut Vec<u8>, s: &str) {
        b.push(b'X');
        b.extend((s.len() as u32).to_le_bytes());
        b.extend(s.as_bytes());
    }

    /// A tuple of small integers.
    fn push_ints(b: &mut Vec<u8>, v: &[u8]) {
        match v.len() {
            0 => b.push(b')'),
            1..=3 => {
                for &x in v {
                    b.extend([b'K', x]);
                }
                b.push(0x84 + v.len() as u8);
            }
            _ => {
                b.push(b'(');
                for &x in v {
                    b.extend([b'K', x]);
                }
                b.push(b't');
            }
        }
    }

    /// `_rebuild_tensor_v2` of a view (`offset`, `size`, `stride`) of the storage `key`, a
    /// `kind` (`FloatStorage`, `LongStorage`) of `numel` elements, as `torch.save` writes it.
    pub(crate) fn push_tensor(
        b: &mut Vec<u8>,
        kind: &str,
        key: &str,
        numel: u8,
        offset: u8,
        size: &[u8],
        stride: &[u8],
    ) {
        b.extend(b"ctorch._utils\n_rebuild_tensor_v2\n");
        b.extend([b'(', b'(']);
        push_str(b, "storage");
        b.extend(format!("ctorch\n{kind}\n").as_bytes());
        push_str(b, key);
        push_str(b, "cpu");
        b.extend([b'K', numel, b't', b'Q', b'K', offset]);
        push_ints(b, size);
        push_ints(b, stride);
        b.extend([0x89, b')', b't', b'R']);
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{push_str, push_tensor};
    use super::*;

    /// A tiny state dict: `OrderedDict([('w', tensor)])`, one 2x3 tensor viewing a
    /// 7-element storage at offset 1 with a transposed stride, so the gather path is
    /// exercised.
    fn tiny_state_dict() -> Vec<u8> {
        let mut b = vec![0x80, 2];
        b.extend(b"ccollections\nOrderedDict\n");
        b.extend([b')', b'R', b'(']);
        push_str(&mut b, "w");
        push_tensor(&mut b, "FloatStorage", "k0", 7, 1, &[2, 3], &[1, 2]);
        b.extend([b'u', b'}', b'b', b'.']);
        b
    }

    /// The storage `k0`: 0.0, 1.0, ... 6.0.
    fn storage() -> Vec<u8> {
        (0..7).flat_map(|i| (i as f32).to_le_bytes()).collect()
    }

    #[test]
    fn reads_strided_tensor() {
        let state = read_state_dict_pickle(&tiny_state_dict()).unwrap();
        assert_eq!(state.len(), 1);
        let (name, t) = &state[0];
        assert_eq!(name, "w");
        assert_eq!((t.storage_key.as_str(), t.storage_numel), ("k0", 7));
        assert_eq!(t.dtype, Dtype::F32);
        assert_eq!(t.size, vec![2, 3]);
        // element (r, c) = storage[1 + r + 2c]
        assert_eq!(
            gather(&storage(), t),
            Some(vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0])
        );
        // A storage reference with a trailing `None` (view metadata) reads the same.
        let plain = tiny_state_dict();
        let at = plain
            .windows(4)
            .position(|w| w == [b'K', 7, b't', b'Q'])
            .unwrap();
        let mut with_none = plain[..at + 2].to_vec();
        with_none.push(b'N');
        with_none.extend(&plain[at + 2..]);
        let again = read_state_dict_pickle(&with_none).unwrap();
        assert_eq!(gather(&storage(), &again[0].1), gather(&storage(), t));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let full = tiny_state_dict();
        for n in 0..full.len() {
            assert!(
                read_state_dict_pickle(&full[..n]).is_err(),
                "truncated at {n}"
            );
        }
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut b = tiny_state_dict();
        b.push(0);
        let e = read_state_dict_pickle(&b).unwrap_err().to_string();
        assert!(e.contains("trailing bytes"), "{e}");
    }

    #[test]
    fn unknown_opcode_and_global_are_errors() {
        let e = read_state_dict_pickle(&[0x80, 2, b'S', b'.'])
            .unwrap_err()
            .to_string();
        assert!(e.contains("unsupported pickle opcode 0x53"), "{e}");
        let mut b = vec![0x80, 2];
        b.extend(b"cos\nsystem\n");
        let e = read_state_dict_pickle(&b).unwrap_err().to_string();
        assert!(e.contains("unsupported global os.system"), "{e}");
    }

    #[test]
    fn view_outside_storage_is_none() {
        let state = read_state_dict_pickle(&tiny_state_dict()).unwrap();
        // One element short: the view's last element (index 6) falls off the end.
        assert_eq!(gather(&storage()[..6 * 4], &state[0].1), None);
    }

    #[test]
    fn garbage_is_an_error() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for len in [0usize, 1, 7, 100, 1000] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            assert!(read_state_dict_pickle(&bytes).is_err());
        }
    }
}
